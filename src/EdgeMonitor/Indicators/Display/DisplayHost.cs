using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;

namespace EdgeMonitor.Indicators.Display;

/// <summary>
/// The display as an output of the status stream, beside the LEDs and on a thread of its own:
/// status changes, heartbeats and identify only record what is wanted; <see cref="Tick"/> does
/// the I2C work. A panel that cannot be opened or stops answering is one log line; it is tried
/// again every <see cref="RetryAfter"/> and nothing else waits for it.
/// </summary>
public sealed class DisplayHost : IStatusSink, IProgressObserver, IDisposable
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan AddressEvery = TimeSpan.FromSeconds(30);
    private const long BlinkMs = 500, MaxSleepMs = 1000;

    private readonly DisplayConfig _config;
    private readonly string _site, _node;
    private readonly TimeSpan _stallAfter;
    private readonly Serilog.ILogger _log;
    private readonly TimeProvider _time;
    private readonly Func<IDisplayPanel> _open;
    private readonly Func<string> _address;
    private readonly object _gate = new(); // what is wanted: status, heartbeat, identify
    private readonly object _io = new();   // the panel and its retry state: the display thread's
    private readonly AutoResetEvent _wake = new(false);
    private readonly long _t0;
    private Thread? _thread;
    private volatile bool _stopping;

    private StatusSnapshot _snapshot = StatusSnapshot.Empty;
    private long _lastBeatMs, _identifyUntilMs = -1, _retryAtMs, _addressAtMs = -1;
    private string _addressText = "";
    private IDisplayPanel? _panel;
    private bool _failed, _stalledLogged;

    /// <param name="stallAfter">No heartbeat for this long: the stall message. Zero: never (the CLI verb).</param>
    public DisplayHost(DisplayConfig config, string site, string node, TimeSpan stallAfter, Serilog.ILogger log, TimeProvider time,
        Func<IDisplayPanel>? open = null, Func<string>? address = null)
    {
        _config = config;
        _site = site;
        _node = node;
        _stallAfter = stallAfter;
        _log = log;
        _time = time;
        _open = open ?? (() => DisplayPanels.Open(config));
        _address = address ?? (() => HostAddress.Describe(config.Interface));
        _t0 = time.GetTimestamp();
    }

    /// <summary>The daemon's display, started; null when `display.kind` is off.</summary>
    public static DisplayHost? Start(EdgeMonitorConfig config, Serilog.ILogger log, TimeProvider time)
    {
        if (!config.Display.Enabled)
            return null;
        var host = new DisplayHost(config.Display, config.Site, config.NodeName, TimeSpan.FromSeconds(config.Leds.StallSeconds), log, time);
        host.StartThread();
        return host;
    }

    private long NowMs => (long)_time.GetElapsedTime(_t0).TotalMilliseconds;

    /// <summary>The panel in use, once open; null while missing.</summary>
    public IDisplayPanel? Panel
    {
        get
        {
            lock (_io)
                return _panel;
        }
    }

    public void StartThread()
    {
        lock (_gate)
        {
            if (_thread is not null)
                return;
            _thread = new Thread(Loop) { IsBackground = true, Name = "display" };
            _thread.Start();
        }
    }

    // A thread that throws ends the process: whatever goes wrong here stays here.
    private void Loop()
    {
        while (!_stopping)
        {
            TimeSpan sleep;
            try
            {
                sleep = Tick();
            }
            catch (Exception e)
            {
                _log.Error(e, "display: drawing failed");
                sleep = RetryAfter;
            }
            try
            {
                _wake.WaitOne(sleep);
            }
            catch (ObjectDisposedException)
            {
                return; // Dispose gave up waiting for a stuck bus
            }
        }
    }

    public void OnStatus(StatusChange change)
    {
        lock (_gate)
        {
            _snapshot = change.Current;
            _lastBeatMs = NowMs;
        }
        Kick();
    }

    public void OnProgress(in MonitorProgress progress)
    {
        if (!progress.Healthy)
            return;
        lock (_gate)
            _lastBeatMs = NowMs;
    }

    /// <summary>"IDENTIFY" and a blinking panel for <paramref name="duration"/>.</summary>
    public void Identify(TimeSpan duration)
    {
        lock (_gate)
            _identifyUntilMs = NowMs + (long)Math.Clamp(duration.TotalMilliseconds, 0, TimeSpan.FromHours(1).TotalMilliseconds);
        Kick();
    }

    // Under _gate: what is wanted now, as screens (pure data) and which one is up.
    private (IReadOnlyList<IReadOnlyList<DisplayLine>>, int, bool) Compose(PanelGeometry geometry, long now)
    {
        bool stalled = _stallAfter > TimeSpan.Zero && now - _lastBeatMs >= _stallAfter.TotalMilliseconds;
        if (stalled != _stalledLogged)
        {
            _stalledLogged = stalled;
            if (stalled)
                _log.Warning("display: no progress from the monitor, showing the stall message");
        }
        bool identify = _identifyUntilMs > now;
        var input = new DisplayInput(_site, _node, _addressText, _snapshot, stalled, identify, _config.Show);
        var screens = DisplayContent.Screens(input, geometry);
        int index = (int)(now / (_config.CycleSeconds * 1000L) % screens.Count);
        return (screens, index, identify && now / BlinkMs % 2 == 0);
    }

    /// <summary>
    /// Opens the panel if needed and shows the current screen; returns how long until the next
    /// change. The I2C work (a whole OLED frame is ~100 ms at 100 kHz) happens outside the lock
    /// the status stream takes, so the monitor never waits for the bus.
    /// </summary>
    public TimeSpan Tick()
    {
        lock (_io)
        {
            if (_stopping)
                return Timeout.InfiniteTimeSpan;
            long now = NowMs;
            if (_panel is null)
            {
                if (now < _retryAtMs)
                    return TimeSpan.FromMilliseconds(Math.Min(MaxSleepMs, _retryAtMs - now));
                try
                {
                    _panel = _open();
                    _log.Information("display: {Panel}", _panel.Describe);
                }
                catch (Exception e)
                {
                    Fail("cannot be opened", e, now);
                    return TimeSpan.FromMilliseconds(MaxSleepMs);
                }
            }
            if (_addressAtMs < 0 || now - _addressAtMs >= AddressEvery.TotalMilliseconds)
            {
                _addressText = _address();
                _addressAtMs = now;
            }
            IReadOnlyList<IReadOnlyList<DisplayLine>> screens;
            int index;
            bool highlight, identifying;
            lock (_gate)
            {
                (screens, index, highlight) = Compose(_panel.Geometry, now);
                identifying = _identifyUntilMs > now;
            }
            try
            {
                _panel.Show(screens[index], highlight);
                if (_failed)
                {
                    _failed = false;
                    _log.Information("display: {Panel} works again", _panel.Describe);
                }
            }
            catch (Exception e)
            {
                Fail($"{_panel.Describe} failed", e, now);
                CloseQuietly();
            }
            long cycleMs = _config.CycleSeconds * 1000L;
            long next = Math.Min(MaxSleepMs, cycleMs - now % cycleMs);
            if (identifying)
                next = Math.Min(next, BlinkMs - now % BlinkMs);
            return TimeSpan.FromMilliseconds(Math.Max(1, next));
        }
    }

    // Once per outage: a missing or unplugged display must not fill the log.
    private void Fail(string what, Exception e, long now)
    {
        if (!_failed)
            _log.Error("display: {What}: {Error}; trying again every {Seconds} s, monitoring goes on", what, e.Message.TrimEnd('.'), (int)RetryAfter.TotalSeconds);
        _failed = true;
        _retryAtMs = now + (long)RetryAfter.TotalMilliseconds;
    }

    private void CloseQuietly()
    {
        try
        {
            _panel?.Dispose();
        }
        catch (Exception)
        {
            // A panel that just failed may fail to close too; it is being dropped either way.
        }
        _panel = null;
    }

    private void Kick()
    {
        try
        {
            _wake.Set();
        }
        catch (ObjectDisposedException)
        {
            // after Dispose
        }
    }

    /// <summary>Stops the thread and leaves the panel dark.</summary>
    public void Dispose()
    {
        _stopping = true;
        Kick();
        Thread? t;
        lock (_gate)
            t = _thread;
        t?.Join(TimeSpan.FromSeconds(5));
        lock (_io)
        {
            try
            {
                _panel?.Blank();
            }
            catch (Exception e)
            {
                _log.Warning("display: blanking on exit failed: {Error}", e.Message);
            }
            CloseQuietly();
        }
        _wake.Dispose();
    }
}

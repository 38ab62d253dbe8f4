using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;

namespace EdgeMonitor.Indicators;

/// <summary>Timing and safety knobs of the controller.</summary>
/// <param name="StallAfter">No heartbeat for this long: show <paramref name="OnStall"/>. Zero: never (CLI use).</param>
/// <param name="OnStall">Failing or Off; never anything green.</param>
/// <param name="OnExit">Off (LEDs handed back) or Failing (left showing failing).</param>
public sealed record IndicatorOptions(TimeSpan StallAfter, LightState OnStall = LightState.Failing, LightState OnExit = LightState.Off);

/// <summary>
/// Turns status changes, identify, lamp test and the heartbeat into looks on every indicator.
/// Public methods only record what is wanted and wake the indicator thread; <see cref="Tick"/>
/// does the I/O (one call per wake-up, on that thread, or from tests with a manual clock).
/// A driver that fails is logged once and retried; nothing here throws to the caller.
/// </summary>
public sealed class IndicatorController : IStatusSink, IDisposable
{
    /// <summary>Wanted is under _gate; everything else (what the driver shows) under _io.</summary>
    private sealed class Slot(string source, ILedDriver driver)
    {
        public string Source { get; } = source;
        public ILedDriver Driver { get; } = driver;
        public LightState Wanted { get; set; } = LightState.Unknown;
        public LightState ShownState { get; set; } = (LightState)(-1);
        public Look Shown { get; set; }
        public long SinceMs { get; set; }
        public LedChannels Soft { get; set; }
        public LedChannels LastLit { get; set; }
        public bool Failed { get; set; }
    }

    private const long MaxSleepMs = 1000, MinSleepMs = 1, RetryMs = 5000;

    /// <summary>Guards what is wanted (status, heartbeat, identify, lamp test); never held across driver I/O.</summary>
    private readonly object _gate = new();

    /// <summary>Serialises driver I/O and the shown state of each slot (the indicator thread, Dispose).</summary>
    private readonly object _io = new();
    private readonly List<Slot> _slots;
    private readonly IndicatorOptions _options;
    private readonly Serilog.ILogger _log;
    private readonly TimeProvider _time;
    private readonly long _t0;
    private readonly AutoResetEvent _wake = new(false);
    private Thread? _thread;
    private volatile bool _stopping;
    private bool _disposed;

    private long _lastBeatMs;
    private bool _stalled;
    private long _identifyUntilMs = -1;
    private long _lampTestStartMs = -1;

    public IndicatorController(IEnumerable<(string Source, ILedDriver Driver)> indicators, IndicatorOptions options,
        Serilog.ILogger log, TimeProvider time)
    {
        _slots = [.. indicators.Select(i => new Slot(i.Source, i.Driver))];
        _options = options;
        _log = log;
        _time = time;
        _t0 = time.GetTimestamp();
        _lastBeatMs = NowMs;
    }

    public IReadOnlyList<ILedDriver> Drivers => [.. _slots.Select(s => s.Driver)];

    public bool Stalled
    {
        get
        {
            lock (_gate)
                return _stalled;
        }
    }

    private long NowMs => (long)_time.GetElapsedTime(_t0).TotalMilliseconds;

    /// <summary>Starts the indicator thread (blinking GPIO, stall checks). Tests call <see cref="Tick"/> instead.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_thread is not null || _disposed)
                return;
            _thread = new Thread(Loop) { IsBackground = true, Name = "indicators" };
            _thread.Start();
        }
    }

    private void Loop()
    {
        while (!_stopping)
        {
            TimeSpan sleep = Tick();
            _wake.WaitOne(sleep);
        }
    }

    private void Kick()
    {
        try
        {
            _wake.Set();
        }
        catch (ObjectDisposedException)
        {
            // after Dispose: nothing left to show
        }
    }

    /// <summary>
    /// The monitor's status stream: each indicator follows its source. Also a heartbeat. A stale
    /// picture (the previous run's, from status.json) is not a verdict of this process: the LEDs
    /// keep the starting pattern until the first fresh one, so a restart never shows old green.
    /// </summary>
    public void OnStatus(StatusChange change)
    {
        try
        {
            lock (_gate)
            {
                if (!change.Current.Stale)
                {
                    foreach (Slot s in _slots)
                        s.Wanted = Patterns.FromStatus(StatusOf(change.Current, s.Source));
                }
                _lastBeatMs = NowMs;
            }
            Kick();
        }
        catch (Exception e)
        {
            _log.Error(e, "indicators: status change not shown");
        }
    }

    /// <summary>overall, a profile name, or a group key profile/id; absent: unknown.</summary>
    public static Status StatusOf(StatusSnapshot snapshot, string source)
    {
        if (source == "overall")
            return snapshot.Overall;
        if (source.Contains('/'))
            return snapshot.Groups.FirstOrDefault(g => g.Key == source)?.Status ?? Status.Unknown;
        return snapshot.Profiles.FirstOrDefault(p => p.Name == source)?.Status ?? Status.Unknown;
    }

    /// <summary>Shows a state on every indicator regardless of source (the `leds show` verb).</summary>
    public void ShowState(LightState state)
    {
        lock (_gate)
        {
            foreach (Slot s in _slots)
                s.Wanted = state;
        }
        Kick();
    }

    /// <summary>The daemon made progress (a scheduler pass, a probe result). Call at least every StallAfter/3.</summary>
    public void Heartbeat()
    {
        bool wasStalled;
        lock (_gate)
        {
            _lastBeatMs = NowMs;
            wasStalled = _stalled;
        }
        if (wasStalled)
            Kick();
    }

    /// <summary>Blink every LED of every indicator together for <paramref name="duration"/>.</summary>
    public void Identify(TimeSpan duration)
    {
        lock (_gate)
            _identifyUntilMs = NowMs + (long)Math.Clamp(duration.TotalMilliseconds, 0, TimeSpan.FromHours(1).TotalMilliseconds);
        Kick();
    }

    /// <summary>Each colour alone, then all together, then back to the status.</summary>
    public void LampTest()
    {
        lock (_gate)
            _lampTestStartMs = NowMs;
        Kick();
    }

    /// <summary>How long a lamp test lasts.</summary>
    public static TimeSpan LampTestDuration =>
        TimeSpan.FromMilliseconds(Patterns.LampTestSteps(LedChannels.All).Sum(s => s.Ms));

    /// <summary>
    /// Applies what is wanted now; returns how long until the next edge, step end or stall deadline.
    /// What to show is decided under <c>_gate</c> (the lock OnStatus and Heartbeat take, on the
    /// monitor's loop); the drivers are written under <c>_io</c> only, so a slow or hung LED
    /// never holds up the monitor.
    /// </summary>
    public TimeSpan Tick()
    {
        lock (_io)
        {
            long now;
            long next = MaxSleepMs;
            bool stalled;
            bool? stallChanged = null;
            long quietMs;
            int lampStep = -1;
            bool identify;
            var wanted = new LightState[_slots.Count];
            var steps = Patterns.LampTestSteps(LedChannels.All);
            lock (_gate)
            {
                if (_disposed)
                    return Timeout.InfiniteTimeSpan;
                now = NowMs;
                quietMs = now - _lastBeatMs;
                stalled = _options.StallAfter > TimeSpan.Zero && quietMs >= (long)_options.StallAfter.TotalMilliseconds;
                if (stalled != _stalled)
                {
                    _stalled = stalled;
                    stallChanged = stalled;
                }
                else if (!stalled && _options.StallAfter > TimeSpan.Zero)
                {
                    next = Math.Min(next, _lastBeatMs + (long)_options.StallAfter.TotalMilliseconds - now);
                }

                if (_lampTestStartMs >= 0)
                {
                    long t = now - _lampTestStartMs, end = 0;
                    for (int i = 0; i < steps.Count; i++)
                    {
                        end += steps[i].Ms;
                        if (t < end)
                        {
                            lampStep = i;
                            next = Math.Min(next, end - t);
                            break;
                        }
                    }
                    if (lampStep < 0)
                        _lampTestStartMs = -1;
                }
                identify = _identifyUntilMs > now;
                if (identify)
                    next = Math.Min(next, _identifyUntilMs - now);
                else
                    _identifyUntilMs = -1;
                for (int i = 0; i < _slots.Count; i++)
                    wanted[i] = _slots[i].Wanted;
            }
            if (stallChanged == true)
                _log.Warning("indicators: no progress from the monitor for {Seconds} s, showing {State}",
                    quietMs / 1000, _options.OnStall.ToString().ToLowerInvariant());
            else if (stallChanged == false)
                _log.Information("indicators: the monitor makes progress again");

            for (int i = 0; i < _slots.Count; i++)
            {
                Slot s = _slots[i];
                LedChannels present = s.Driver.Channels;
                (LightState state, Look look) =
                    stalled ? (_options.OnStall, Patterns.For(_options.OnStall, present))
                    : lampStep >= 0 ? (LightState.LampTest, lampStep == steps.Count - 1 ? Patterns.For(LightState.LampTest, present) : steps[lampStep].Look)
                    : identify ? (LightState.Identify, Patterns.For(LightState.Identify, present))
                    : (wanted[i], Patterns.For(wanted[i], present));
                next = Math.Min(next, Apply(s, state, look, now));
            }
            return TimeSpan.FromMilliseconds(Math.Clamp(next, MinSleepMs, MaxSleepMs));
        }
    }

    private long Apply(Slot s, LightState state, Look look, long now)
    {
        try
        {
            if (s.Failed || look != s.Shown || state != s.ShownState)
            {
                s.Soft = s.Driver.Show(look, s.Source, state) & s.Driver.Channels;
                s.Shown = look;
                s.ShownState = state;
                s.SinceMs = now;
                s.LastLit = (LedChannels)(-1);
            }
            long next = long.MaxValue;
            if (s.Soft != LedChannels.None)
            {
                long since = now - s.SinceMs;
                LedChannels lit = look.LitAt(since) & s.Soft;
                if (lit != s.LastLit)
                {
                    s.Driver.SetLit(s.Soft, lit);
                    s.LastLit = lit;
                }
                foreach (LedChannels c in (ReadOnlySpan<LedChannels>)[LedChannels.Green, LedChannels.Amber, LedChannels.Red])
                {
                    if (s.Soft.HasFlag(c))
                        next = Math.Min(next, look[c].NextEdgeMs(since));
                }
            }
            if (s.Failed)
            {
                s.Failed = false;
                _log.Information("indicators: {Driver} works again", s.Driver.Describe);
            }
            return next;
        }
        catch (Exception e)
        {
            if (!s.Failed)
                _log.Error("indicators: {Driver} failed: {Error}", s.Driver.Describe, e.Message);
            s.Failed = true;
            return RetryMs;
        }
    }

    /// <summary>Stops the thread and leaves every indicator as <see cref="IndicatorOptions.OnExit"/> says.</summary>
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
            lock (_gate)
            {
                if (_disposed)
                    return;
                _disposed = true;
            }
            foreach (Slot s in _slots)
            {
                try
                {
                    if (_options.OnExit == LightState.Failing)
                    {
                        s.Driver.Show(Patterns.For(LightState.Failing, s.Driver.Channels), s.Source, LightState.Failing);
                        s.Driver.Release(keepShown: true);
                    }
                    else
                    {
                        s.Driver.Release(keepShown: false);
                    }
                }
                catch (Exception e)
                {
                    _log.Error("indicators: {Driver}: release failed: {Error}", s.Driver.Describe, e.Message);
                }
                finally
                {
                    try
                    {
                        s.Driver.Dispose();
                    }
                    catch (Exception e)
                    {
                        _log.Error("indicators: {Driver}: close failed: {Error}", s.Driver.Describe, e.Message);
                    }
                }
            }
        }
        _wake.Dispose();
    }
}

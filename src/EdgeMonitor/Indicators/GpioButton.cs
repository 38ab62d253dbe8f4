using EdgeMonitor.Indicators.Interop;

namespace EdgeMonitor.Indicators;

/// <summary>
/// A push button on a GPIO line (uAPI v2 edge events, both edges, bias towards "released"):
/// a thread sleeps in poll(2) on the line and a wake-up pipe, feeds edges to a
/// <see cref="ButtonDebouncer"/> and runs the actions off the hardware path.
/// </summary>
public sealed unsafe class GpioButton : IDisposable
{
    private readonly GpioChip _chip;
    private readonly GpioLines _line;
    private readonly ButtonDebouncer _debouncer;
    private readonly Action<ButtonAction> _onAction;
    private readonly Serilog.ILogger _log;
    private readonly TimeProvider _time;
    private readonly long _t0;
    private readonly int _wakeRead, _wakeWrite;
    private readonly Thread _thread;
    private volatile bool _stopping;

    public string Describe { get; }

    public GpioButton(string? chip, string line, bool activeLow, int debounceMs, int longPressMs,
        Action<ButtonAction> onAction, Serilog.ILogger log, TimeProvider time)
    {
        _onAction = onAction;
        _log = log;
        _time = time;
        _t0 = time.GetTimestamp();
        _debouncer = new ButtonDebouncer(debounceMs, longPressMs);
        _chip = GpioChip.Open(chip);
        try
        {
            var (name, low) = GpioLedDriver.ParseLine(line);
            low |= activeLow;
            uint offset = _chip.FindLine(name);
            var flags = GpioV2LineFlag.Input | GpioV2LineFlag.EdgeRising | GpioV2LineFlag.EdgeFalling
                | (low ? GpioV2LineFlag.BiasPullUp : GpioV2LineFlag.BiasPullDown);
            _line = _chip.Request([offset], flags, low ? 1UL : 0UL, eventBufferSize: 64);
            Describe = $"button {_chip.Path} {offset}";
        }
        catch
        {
            _chip.Dispose();
            throw;
        }
        int* fds = stackalloc int[2];
        if (Libc.Pipe2(fds, Libc.O_CLOEXEC) < 0)
        {
            string err = Libc.LastError();
            _line.Dispose();
            _chip.Dispose();
            throw new IndicatorException($"button: pipe2: {err}");
        }
        _wakeRead = fds[0];
        _wakeWrite = fds[1];
        _debouncer.Reset(_line.Get(1) != 0, NowMs);
        _thread = new Thread(Loop) { IsBackground = true, Name = "button" };
        _thread.Start();
    }

    private long NowMs => (long)_time.GetElapsedTime(_t0).TotalMilliseconds;

    private void Loop()
    {
        var events = new GpioV2LineEvent[16];
        long wait = -1;
        Libc.PollFd* fds = stackalloc Libc.PollFd[2];
        while (!_stopping)
        {
            fds[0] = new Libc.PollFd { Fd = _line.Fd, Events = Libc.POLLIN };
            fds[1] = new Libc.PollFd { Fd = _wakeRead, Events = Libc.POLLIN };
            int n = Libc.Poll(fds, 2, wait < 0 ? -1 : (int)Math.Min(wait, int.MaxValue));
            if (_stopping)
                break;
            if (n < 0)
            {
                if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Libc.EINTR)
                    continue;
                _log.Error("button: poll failed: {Error}; the button is off until restart", Libc.LastError());
                return;
            }
            if ((fds[0].REvents & Libc.POLLIN) != 0)
            {
                fixed (GpioV2LineEvent* buf = events)
                {
                    nint got = Libc.Read(_line.Fd, buf, (nuint)(sizeof(GpioV2LineEvent) * events.Length));
                    long now = NowMs;
                    for (int i = 0; i < got / sizeof(GpioV2LineEvent); i++)
                        _debouncer.Edge(buf[i].Id == (uint)GpioV2LineEventId.RisingEdge, now);
                }
            }
            ButtonAction action = _debouncer.Poll(NowMs, out wait);
            if (action != ButtonAction.None)
            {
                try
                {
                    _onAction(action);
                }
                catch (Exception e)
                {
                    _log.Error("button: {Action} failed: {Error}", action.ToString(), e.Message);
                }
            }
        }
    }

    public void Dispose()
    {
        if (_stopping)
            return;
        _stopping = true;
        byte b = 1;
        _ = Libc.Write(_wakeWrite, &b, 1);
        _thread.Join(TimeSpan.FromSeconds(5));
        Libc.Close(_wakeRead);
        Libc.Close(_wakeWrite);
        _line.Dispose();
        _chip.Dispose();
    }
}

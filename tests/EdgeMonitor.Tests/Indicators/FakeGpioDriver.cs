using System.Device.Gpio;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Indicators;

/// <summary>
/// A GpioDriver with no hardware behind it, as dotnet/iot tests its bindings: it keeps each
/// pin's mode and level, lets a test drive an input's level (raising the edge callbacks the
/// way a driver's event thread does, on another thread), and records every write.
/// </summary>
public sealed class FakeGpioDriver(int pinCount = 32) : GpioDriver
{
    private readonly object _gate = new();
    private readonly Dictionary<int, PinMode> _modes = [];
    private readonly Dictionary<int, PinValue> _levels = [];
    private readonly List<(int Pin, PinEventTypes Types, PinChangeEventHandler Handler)> _callbacks = [];
    private readonly List<(int Pin, PinValue Value)> _writes = [];

    protected override int PinCount => pinCount;

    public bool Disposed { get; private set; }

    public PinMode ModeOf(int pin)
    {
        lock (_gate)
            return _modes[pin];
    }

    public PinValue LevelOf(int pin)
    {
        lock (_gate)
            return _levels.GetValueOrDefault(pin, PinValue.Low);
    }

    public bool IsOpen(int pin)
    {
        lock (_gate)
            return _modes.ContainsKey(pin);
    }

    public IReadOnlyList<(int Pin, PinValue Value)> Writes
    {
        get
        {
            lock (_gate)
                return [.. _writes];
        }
    }

    /// <summary>What the outside world does to an input: a new level and, if it changed, an edge event.</summary>
    public void Drive(int pin, PinValue level)
    {
        PinEventTypes edge;
        PinChangeEventHandler[] handlers;
        lock (_gate)
        {
            PinValue old = _levels.GetValueOrDefault(pin, PinValue.Low);
            _levels[pin] = level;
            if (old == level)
                return;
            edge = level == PinValue.High ? PinEventTypes.Rising : PinEventTypes.Falling;
            handlers = [.. _callbacks.Where(c => c.Pin == pin && (c.Types & edge) != 0).Select(c => c.Handler)];
        }
        foreach (PinChangeEventHandler h in handlers)
            h(this, new PinValueChangedEventArgs(edge, pin));
    }

    protected override void OpenPin(int pinNumber)
    {
        lock (_gate)
            _modes.TryAdd(pinNumber, PinMode.Input);
    }

    protected override void ClosePin(int pinNumber)
    {
        lock (_gate)
            _modes.Remove(pinNumber);
    }

    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_gate)
        {
            _modes[pinNumber] = mode;
            // The bias settles an idle input: pulled up reads high.
            if (mode == PinMode.InputPullUp)
                _levels[pinNumber] = PinValue.High;
            else if (mode == PinMode.InputPullDown)
                _levels[pinNumber] = PinValue.Low;
        }
    }

    protected override PinMode GetPinMode(int pinNumber) => ModeOf(pinNumber);

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber) => LevelOf(pinNumber);

    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_gate)
        {
            if (_modes.GetValueOrDefault(pinNumber, PinMode.Input) != PinMode.Output)
                throw new InvalidOperationException($"pin {pinNumber} is not an output");
            _levels[pinNumber] = value;
            _writes.Add((pinNumber, value));
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_gate)
            _callbacks.Add((pinNumber, eventTypes, callback));
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_gate)
            _callbacks.RemoveAll(c => c.Pin == pinNumber && c.Handler == callback);
    }

    protected override void Dispose(bool disposing)
    {
        Disposed = true;
        base.Dispose(disposing);
    }
}

using System.Device.Gpio;
using EdgeMonitor.Indicators.Interop;
using EdgeMonitor.Interop;
using Microsoft.Win32.SafeHandles;

namespace EdgeMonitor.Indicators;

/// <summary>
/// A System.Device.Gpio driver over the GPIO character device (uAPI v2, &lt;linux/gpio.h&gt;):
/// no native library, so it is the default. Each open pin is one line request under the consumer
/// "edgemonitor"; an output starts at the value asked for (no glitch); an input is requested with
/// both edges and the kernel's debounce, and one thread sleeps in poll(2) on the inputs and a
/// wake-up pipe to raise value-changed callbacks. Pin numbers are line offsets on the chip.
/// </summary>
public sealed unsafe class CharacterDeviceDriver : GpioDriver
{
    private sealed class Pin(int number)
    {
        public int Number { get; } = number;
        public PinMode Mode { get; set; } = PinMode.Input;
        public GpioLines? Lines { get; set; }
        public List<(PinEventTypes Types, PinChangeEventHandler Handler)> Callbacks { get; } = [];
    }

    private readonly GpioChip _chip;
    private readonly uint _debounceUs;
    private readonly object _gate = new();
    private readonly Dictionary<int, Pin> _pins = [];
    private (SafeFileHandle Read, SafeFileHandle Write)? _wake;
    private Thread? _events;
    private long _generation, _seenGeneration;
    private volatile bool _stopping;

    /// <param name="chip">"/dev/gpiochipN", "gpiochipN", "N" or the chip's label.</param>
    /// <param name="inputDebounce">The kernel's debounce for inputs (contact bounce never reaches a callback); zero: none.</param>
    public CharacterDeviceDriver(string? chip, TimeSpan inputDebounce = default)
    {
        _chip = GpioChip.Open(chip);
        _debounceUs = (uint)Math.Clamp(inputDebounce.TotalMicroseconds, 0, uint.MaxValue);
    }

    public GpioChip Chip => _chip;

    protected override int PinCount => _chip.Lines;

    protected override void OpenPin(int pinNumber)
    {
        Check(pinNumber);
        lock (_gate)
            _pins.TryAdd(pinNumber, new Pin(pinNumber));
    }

    protected override void ClosePin(int pinNumber)
    {
        Pin? pin;
        lock (_gate)
        {
            if (!_pins.Remove(pinNumber, out pin))
                return;
        }
        ReleaseLines(pin);
    }

    protected override void SetPinMode(int pinNumber, PinMode mode) => SetPinMode(pinNumber, mode, PinValue.Low);

    protected override void SetPinMode(int pinNumber, PinMode mode, PinValue initialValue)
    {
        Pin pin = Get(pinNumber);
        ReleaseLines(pin);
        GpioV2LineFlag flags = mode switch
        {
            PinMode.Output => GpioV2LineFlag.Output,
            PinMode.InputPullUp => GpioV2LineFlag.Input | GpioV2LineFlag.BiasPullUp,
            PinMode.InputPullDown => GpioV2LineFlag.Input | GpioV2LineFlag.BiasPullDown,
            _ => GpioV2LineFlag.Input,
        };
        if (mode != PinMode.Output)
            flags |= GpioV2LineFlag.EdgeRising | GpioV2LineFlag.EdgeFalling;
        GpioLines lines = _chip.Request([(uint)pinNumber], flags, 0, eventBufferSize: mode == PinMode.Output ? 0u : 64u,
            outputBits: initialValue == PinValue.High ? 1UL : 0UL, debounceUs: _debounceUs);
        lock (_gate)
        {
            pin.Lines = lines;
            pin.Mode = mode;
            if (mode != PinMode.Output)
                WakeEventThread();
        }
    }

    protected override PinMode GetPinMode(int pinNumber) => Get(pinNumber).Mode;

    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;

    protected override PinValue Read(int pinNumber) => LinesOf(pinNumber).Get(1) != 0 ? PinValue.High : PinValue.Low;

    protected override void Write(int pinNumber, PinValue value) => LinesOf(pinNumber).Set(value == PinValue.High ? 1UL : 0UL, 1);

    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        Pin pin = Get(pinNumber);
        lock (_gate)
        {
            pin.Callbacks.Add((eventTypes, callback));
            if (_events is null)
            {
                try
                {
                    _wake = Libc.Pipe();
                }
                catch (IOException e)
                {
                    throw new IndicatorException(e.Message, e);
                }
                _events = new Thread(EventLoop) { IsBackground = true, Name = "gpio-events" };
                _events.Start();
            }
        }
    }

    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_gate)
        {
            if (_pins.TryGetValue(pinNumber, out Pin? pin))
                pin.Callbacks.RemoveAll(c => c.Handler == callback);
        }
    }

    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken)
    {
        using var seen = new ManualResetEventSlim();
        PinEventTypes got = PinEventTypes.None;
        void OnChange(object sender, PinValueChangedEventArgs e)
        {
            got = e.ChangeType;
            seen.Set();
        }
        AddCallbackForPinValueChangedEvent(pinNumber, eventTypes, OnChange);
        try
        {
            seen.Wait(cancellationToken);
            return new WaitForEventResult { EventTypes = got, TimedOut = false };
        }
        catch (OperationCanceledException)
        {
            return new WaitForEventResult { EventTypes = PinEventTypes.None, TimedOut = true };
        }
        finally
        {
            RemoveCallbackForPinValueChangedEvent(pinNumber, OnChange);
        }
    }

    private void Check(int pinNumber)
    {
        if (pinNumber < 0 || pinNumber >= _chip.Lines)
            throw new IndicatorException($"{_chip.Path} ({_chip.Label}) has lines 0..{_chip.Lines - 1}, not {pinNumber}");
    }

    private Pin Get(int pinNumber)
    {
        lock (_gate)
            return _pins.TryGetValue(pinNumber, out Pin? pin) ? pin : throw new InvalidOperationException($"line {pinNumber} is not open");
    }

    private GpioLines LinesOf(int pinNumber) =>
        Get(pinNumber).Lines ?? throw new IndicatorException($"{_chip.Path}: line {pinNumber} has no mode set");

    /// <summary>
    /// Hands a pin's line back to the kernel. An input may sit in the event thread's poll set: the
    /// thread is woken and this waits until it has let go, so a new request for the line is not refused as busy.
    /// </summary>
    private void ReleaseLines(Pin pin)
    {
        GpioLines? old;
        lock (_gate)
        {
            old = pin.Lines;
            pin.Lines = null;
            if (old is not null && pin.Mode != PinMode.Output && _events is not null && Thread.CurrentThread != _events)
            {
                long mine = WakeEventThread();
                while (Volatile.Read(ref _seenGeneration) < mine && !_stopping && _events.IsAlive)
                    Monitor.Wait(_gate, TimeSpan.FromSeconds(1));
            }
        }
        old?.Dispose();
    }

    /// <summary>Makes the event thread rebuild its poll set; returns the generation it will have seen. Under _gate.</summary>
    private long WakeEventThread()
    {
        long gen = ++_generation;
        if (_wake is { } w)
        {
            byte b = 1;
            _ = Libc.Write(w.Write, &b, 1);
        }
        return gen;
    }

    private void EventLoop()
    {
        var inputs = new List<(Pin Pin, GpioLines Lines)>();
        var fired = new List<(PinChangeEventHandler Handler, PinValueChangedEventArgs Args)>();
        GpioV2LineEvent* events = stackalloc GpioV2LineEvent[16];
        Libc.PollFd* fds = stackalloc Libc.PollFd[65];
        byte* drain = stackalloc byte[64];
        SafeFileHandle wake = _wake!.Value.Read;
        while (!_stopping)
        {
            inputs.Clear();
            lock (_gate)
            {
                foreach (Pin p in _pins.Values)
                {
                    if (p.Lines is { } l && p.Mode != PinMode.Output && inputs.Count < 64)
                        inputs.Add((p, l));
                }
                _seenGeneration = _generation;
                Monitor.PulseAll(_gate);
            }
            // The descriptors stay referenced while poll and read use them: a concurrent close waits for us.
            bool wakeRef = false;
            var refs = new bool[inputs.Count];
            try
            {
                wake.DangerousAddRef(ref wakeRef);
                for (int i = 0; i < inputs.Count; i++)
                {
                    inputs[i].Lines.Handle.DangerousAddRef(ref refs[i]);
                    fds[i] = new Libc.PollFd { Fd = (int)inputs[i].Lines.Handle.DangerousGetHandle(), Events = Libc.POLLIN };
                }
                fds[inputs.Count] = new Libc.PollFd { Fd = (int)wake.DangerousGetHandle(), Events = Libc.POLLIN };
                int n = Libc.Poll(fds, (nuint)(inputs.Count + 1), -1);
                if (n < 0)
                {
                    if (System.Runtime.InteropServices.Marshal.GetLastPInvokeError() == Libc.EINTR)
                        continue;
                    return;
                }
                if ((fds[inputs.Count].REvents & Libc.POLLIN) != 0)
                {
                    _ = Libc.Read(wake, drain, 64);
                }
                for (int i = 0; i < inputs.Count; i++)
                {
                    if ((fds[i].REvents & Libc.POLLIN) == 0)
                        continue;
                    nint got = Libc.Read(inputs[i].Lines.Handle, events, (nuint)(sizeof(GpioV2LineEvent) * 16));
                    for (int k = 0; k < got / sizeof(GpioV2LineEvent); k++)
                    {
                        PinEventTypes type = events[k].Id == (uint)GpioV2LineEventId.RisingEdge ? PinEventTypes.Rising : PinEventTypes.Falling;
                        lock (_gate)
                        {
                            foreach (var (types, handler) in inputs[i].Pin.Callbacks)
                            {
                                if ((types & type) != 0)
                                    fired.Add((handler, new PinValueChangedEventArgs(type, inputs[i].Pin.Number)));
                            }
                        }
                    }
                }
            }
            finally
            {
                for (int i = 0; i < inputs.Count; i++)
                {
                    if (refs[i])
                        inputs[i].Lines.Handle.DangerousRelease();
                }
                if (wakeRef)
                    wake.DangerousRelease();
            }
            // Callbacks run with nothing held: they may open, close or re-mode pins.
            foreach (var (handler, args) in fired)
            {
                try
                {
                    handler(this, args);
                }
                catch (Exception)
                {
                    // A subscriber's failure is its own to report; the other lines keep their events.
                }
            }
            fired.Clear();
        }
    }

    public override System.Device.ComponentInformation QueryComponentInformation() =>
        new(this, $"GPIO character device {_chip.Path} ({_chip.Label}), {_chip.Lines} lines");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_stopping)
        {
            _stopping = true;
            Thread? t;
            lock (_gate)
            {
                WakeEventThread();
                Monitor.PulseAll(_gate);
                t = _events;
            }
            t?.Join(TimeSpan.FromSeconds(5));
            List<Pin> pins;
            lock (_gate)
            {
                pins = [.. _pins.Values];
                _pins.Clear();
            }
            foreach (Pin p in pins)
                p.Lines?.Dispose();
            if (_wake is { } w)
            {
                w.Read.Dispose();
                w.Write.Dispose();
            }
            _chip.Dispose();
        }
        base.Dispose(disposing);
    }
}

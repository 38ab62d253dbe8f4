using System.Device.Gpio;
using EdgeMonitor.Configuration;

namespace EdgeMonitor.Indicators;

/// <summary>
/// LEDs on GPIO lines, opened as outputs through a GpioController (driver: leds.gpioDriver).
/// Lines are numbers or names; a leading '!' (or the indicator's activeLow) makes a line
/// active-low, so "on" always means lit. GPIO cannot blink by itself: the controller
/// toggles blinking channels, and drives them to the stall look when the monitor stalls.
/// </summary>
public sealed class GpioLedDriver : ILedDriver
{
    private readonly GpioPins _pins;
    private readonly (LedChannels Channel, int Pin, bool ActiveLow)[] _leds;
    private LedChannels _shownOn;
    private Look _look = Look.Dark;
    private bool _released;

    public string Describe { get; }
    public LedChannels Channels { get; }

    public GpioLedDriver(GpioDriverKind kind, string? chip, bool activeLow, string? green, string? amber, string? red)
        : this(GpioPins.Open(kind, chip), activeLow, green, amber, red)
    {
    }

    /// <summary>On pins already opened (tests pass a controller on a fake driver); this driver owns them from here.</summary>
    public GpioLedDriver(GpioPins pins, bool activeLow, string? green, string? amber, string? red)
    {
        _pins = pins;
        try
        {
            var leds = new List<(LedChannels, int, bool)>();
            foreach (var (channel, spec) in new[] { (LedChannels.Green, green), (LedChannels.Amber, amber), (LedChannels.Red, red) })
            {
                if (string.IsNullOrWhiteSpace(spec))
                    continue;
                var (line, low) = GpioPins.ParseLine(spec);
                leds.Add((channel, pins.Pin(line), low || activeLow));
                Channels |= channel;
            }
            if (leds.Count == 0)
                throw new IndicatorException("a gpio indicator needs at least one of green, amber, red");
            if (leds.DistinctBy(l => l.Item2).Count() != leds.Count)
                throw new IndicatorException($"{pins.Describe}: the same line is given for two colours");
            _leds = [.. leds];
            // Each LED starts dark: the initial value is set with the mode, so there is no flash.
            foreach (var (_, pin, low) in _leds)
                pins.Controller.OpenPin(pin, PinMode.Output, Level(false, low));
            Describe = $"gpio {pins.Describe} {string.Join(",", _leds.Select(l => l.Pin))}";
        }
        catch (Exception e) when (e is not IndicatorException)
        {
            pins.Dispose();
            throw new IndicatorException($"{pins.Describe}: {e.Message}", e);
        }
        catch
        {
            pins.Dispose();
            throw;
        }
    }

    private static PinValue Level(bool lit, bool activeLow) => lit != activeLow ? PinValue.High : PinValue.Low;

    public LedChannels Show(Look look, string source, LightState state)
    {
        _look = look;
        LedChannels steadyOn = LedChannels.None, blinking = LedChannels.None;
        foreach (var (c, _, _) in _leds)
        {
            if (look[c].IsSteady)
                steadyOn |= c;
            else if (look[c].IsBlinking)
                blinking |= c;
        }
        // Steady and off channels now; blinking ones start lit and are toggled by SetLit.
        Write(steadyOn | blinking);
        return blinking;
    }

    public void SetLit(LedChannels mask, LedChannels lit) => Write((_shownOn & ~mask) | (lit & mask));

    private void Write(LedChannels on)
    {
        Span<PinValuePair> values = stackalloc PinValuePair[_leds.Length];
        for (int i = 0; i < _leds.Length; i++)
            values[i] = new PinValuePair(_leds[i].Pin, Level(on.HasFlag(_leds[i].Channel), _leds[i].ActiveLow));
        _pins.Controller.Write(values);
        _shownOn = on & Channels;
    }

    public void Release(bool keepShown)
    {
        if (_released)
            return;
        _released = true;
        try
        {
            // After release the lines keep their level on common controllers (not promised by the
            // kernel): a blinking channel is left steady so "failing" stays visible.
            LedChannels final = LedChannels.None;
            if (keepShown)
            {
                foreach (var (c, _, _) in _leds)
                {
                    if (!_look[c].IsOff)
                        final |= c;
                }
            }
            Write(final);
        }
        finally
        {
            _pins.Dispose();
        }
    }

    public void Dispose() => Release(keepShown: false);
}


namespace EdgeMonitor.Indicators;

/// <summary>An indicator's hardware failed or is missing: the message says which LED or line and why.</summary>
public sealed class IndicatorException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The few primitives every LED output offers; patterns, timing and safety live in
/// <see cref="IndicatorController"/>. Drivers may throw <see cref="IndicatorException"/> or
/// IOException; the controller logs and carries on.
/// </summary>
public interface ILedDriver : IDisposable
{
    /// <summary>"ledclass green:status,red:status", "gpio /dev/gpiochip0 17,27,22", "console".</summary>
    string Describe { get; }

    /// <summary>The colour channels this indicator has.</summary>
    LedChannels Channels { get; }

    /// <summary>
    /// Shows a new look. Returns the channels the caller must blink in software through
    /// <see cref="SetLit"/> (GPIO always; the LED class only without a timer trigger).
    /// </summary>
    LedChannels Show(Look look, string source, LightState state);

    /// <summary>Software blinking: sets every channel in <paramref name="mask"/> on if it is in <paramref name="lit"/>.</summary>
    void SetLit(LedChannels mask, LedChannels lit);

    /// <summary>
    /// Ends use of the hardware. keepShown false: all off and the LEDs handed back (LED class:
    /// previous trigger and brightness). keepShown true: leave the last look as far as the
    /// hardware can hold it without this process (GPIO: blinking channels steady on).
    /// </summary>
    void Release(bool keepShown);
}

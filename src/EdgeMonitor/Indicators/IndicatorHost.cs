using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;

namespace EdgeMonitor.Indicators;

/// <summary>
/// What the daemon holds: every configured indicator behind one controller, and the button.
/// Create once; feed <see cref="OnStatus"/> and <see cref="Heartbeat"/>; dispose on exit
/// (LEDs then show leds.onExit and are handed back).
/// </summary>
public sealed class IndicatorHost : IStatusSink, IProgressObserver, IDisposable
{
    private readonly IndicatorController _controller;
    private readonly PushButton? _button;

    private IndicatorHost(IndicatorController controller, PushButton? button)
    {
        _controller = controller;
        _button = button;
    }

    public IndicatorController Controller => _controller;

    /// <summary>
    /// Builds drivers from <paramref name="config"/>. An indicator or button that cannot be
    /// opened is logged and left out: the daemon monitors on without it. No indicators
    /// configured: the console view of the overall status.
    /// </summary>
    /// <param name="stallSafety">false for one-shot CLI use, where there is no monitor to stall.</param>
    public static IndicatorHost Create(LedsConfig config, Serilog.ILogger log, IMonitorControl control, TimeProvider time,
        TextWriter? console = null, bool withButton = true, bool stallSafety = true)
    {
        var indicators = new List<(string, ILedDriver)>();
        if (config.Indicators.Count == 0)
            indicators.Add(("overall", new ConsoleLedDriver(console ?? Console.Out, time)));
        for (int i = 0; i < config.Indicators.Count; i++)
        {
            IndicatorConfig ic = config.Indicators[i];
            try
            {
                ILedDriver driver = CreateDriver(ic, config, console, time);
                log.Information("indicators: {Source} on {Driver}", ic.Source, driver.Describe);
                indicators.Add((ic.Source, driver));
            }
            catch (Exception e) when (e is IndicatorException or IOException or UnauthorizedAccessException)
            {
                log.Error("indicators: leds.indicators[{Index}] ({Driver}) left out: {Error}", i, ConfigShape.Name(ic.Driver), e.Message);
            }
        }
        var options = new IndicatorOptions(
            stallSafety ? TimeSpan.FromSeconds(config.StallSeconds) : TimeSpan.Zero,
            Look(config.OnStall),
            Look(config.OnExit));
        var controller = new IndicatorController(indicators, options, log, time);

        PushButton? button = null;
        if (withButton && config.Button is { } b && !string.IsNullOrWhiteSpace(b.Line))
        {
            try
            {
                button = new PushButton(config.GpioDriver, b, action =>
                {
                    log.Information("button: {Action}", action == ButtonAction.LongPress ? "long press, lamp test" : "short press, re-check");
                    if (action == ButtonAction.LongPress)
                        controller.LampTest();
                    else
                        control.RecheckNow("button");
                }, log);
                log.Information("indicators: {Button}", button.Describe);
            }
            catch (IndicatorException e)
            {
                log.Error("indicators: button left out: {Error}", e.Message);
            }
        }
        controller.Start();
        return new IndicatorHost(controller, button);
    }

    public static ILedDriver CreateDriver(IndicatorConfig ic, LedsConfig leds, TextWriter? console, TimeProvider time) => ic.Driver switch
    {
        IndicatorDriverKind.Gpio => new GpioLedDriver(leds.GpioDriver, ic.Chip, ic.ActiveLow, ic.Green, ic.Amber, ic.Red),
        IndicatorDriverKind.LedClass => new LedClassDriver(leds.SysfsRoot, ic.Green, ic.Amber, ic.Red),
        IndicatorDriverKind.Console => new ConsoleLedDriver(console ?? Console.Out, time),
        _ => throw new ArgumentOutOfRangeException(nameof(ic), ic.Driver, "unknown indicator driver"),
    };

    private static LightState Look(NoVerdictLook look) => look == NoVerdictLook.Off ? LightState.Off : LightState.Failing;

    /// <inheritdoc cref="IndicatorController.OnStatus"/>
    public void OnStatus(StatusChange change) => _controller.OnStatus(change);

    /// <inheritdoc cref="IndicatorController.Heartbeat"/>
    public void Heartbeat() => _controller.Heartbeat();

    /// <summary>The monitor's heartbeat: only real progress keeps the stall safety from taking over.</summary>
    public void OnProgress(in MonitorProgress progress)
    {
        if (progress.Healthy)
            Heartbeat();
    }

    /// <inheritdoc cref="IndicatorController.Identify"/>
    public void Identify(TimeSpan duration) => _controller.Identify(duration);

    /// <inheritdoc cref="IndicatorController.LampTest"/>
    public void LampTest() => _controller.LampTest();

    public void Dispose()
    {
        _button?.Dispose();
        _controller.Dispose();
    }
}

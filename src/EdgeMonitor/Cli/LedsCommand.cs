using System.Runtime.InteropServices;
using EdgeMonitor.Configuration;
using EdgeMonitor.Indicators;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using Serilog;
using Serilog.Events;

namespace EdgeMonitor.Cli;

/// <summary>`edgemonitor leds`: lamp test and patterns on the configured indicators, for installers.</summary>
public static class LedsCommand
{
    public static Verb Verb { get; } = new("leds", "lamp test, show a pattern or list the LEDs (for installers)",
        """
        usage: edgemonitor leds [--config PATH] test
               edgemonitor leds [--config PATH] show ok|degraded|failing|unknown|identify [--seconds N]
               edgemonitor leds [--config PATH] off
               edgemonitor leds [--config PATH] list

        Drives the indicators of leds.indicators without monitoring (no config: the console view).
          test     lamp test: green, amber, red alone, then all together, then off
          show     holds that pattern until Ctrl-C, SIGTERM or --seconds N, then leaves the
                   LEDs as leds.onExit says (off: LED class triggers restored)
          off      all configured LEDs off and left off (LED class trigger none)
          list     LED class names under leds.sysfsRoot and GPIO chips with their line names

        exit: 0 done, 64 usage error, 70 no configured indicator could be opened, 78 config error

        """, RunAsync);

    private sealed class NoMonitor : IMonitorControl
    {
        public void RecheckNow(string why)
        {
        }

        public void Identify(TimeSpan duration)
        {
        }
    }

    private static async Task<int> RunAsync(Args args)
    {
        string? configPath = ConfigOption.Read(args);
        int? seconds = args.IntOption("--seconds", 0, 86400);
        // Args reads options and flags; the sub-command and the status are words taken the same way.
        string[] actions = [.. new[] { "test", "show", "off", "list" }.Where(args.Flag)];
        string[] states = [.. new[] { "ok", "degraded", "failing", "unknown", "identify" }.Where(args.Flag)];
        args.EnsureEmpty();
        if (actions.Length != 1)
            throw new UsageException("give one of test, show STATUS, off, list");
        string action = actions[0];
        if (action == "show" && states.Length != 1)
            throw new UsageException("show needs one of ok, degraded, failing, unknown, identify");
        if (action != "show" && states.Length > 0)
            throw new UsageException($"'{states[0]}' goes with show");
        if (seconds is not null && action != "show")
            throw new UsageException("--seconds goes with show");

        EdgeMonitorConfig config = ConfigOption.Load(configPath);
        Console.Out.WriteLine(ConfigOption.Banner(configPath));
        LedsConfig leds = config.Leds;
        if (action == "list")
            return List(leds);

        using var log = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Console(outputTemplate: "{Level:u3} {Message:lj}{NewLine}{Exception}", standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();

        if (action == "off")
            return Off(leds, log);

        using var host = IndicatorHost.Create(leds, log, new NoMonitor(), TimeProvider.System, withButton: false, stallSafety: false);
        if (host.Controller.Drivers.Count == 0)
            return ExitCodes.Software;

        using var cts = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cts.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
        TimeSpan hold;
        if (action == "test")
        {
            host.LampTest();
            hold = IndicatorController.LampTestDuration + TimeSpan.FromMilliseconds(200);
        }
        else
        {
            host.Controller.ShowState(states[0] switch
            {
                "ok" => LightState.Ok,
                "degraded" => LightState.Degraded,
                "failing" => LightState.Failing,
                "identify" => LightState.Identify,
                _ => LightState.Unknown,
            });
            hold = seconds is { } s ? TimeSpan.FromSeconds(s) : Timeout.InfiniteTimeSpan;
        }
        try
        {
            await Task.Delay(hold, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        return ExitCodes.Ok;
    }

    private static int Off(LedsConfig leds, Serilog.ILogger log)
    {
        int failed = 0;
        foreach (IndicatorConfig ic in leds.Indicators)
        {
            try
            {
                using ILedDriver d = IndicatorHost.CreateDriver(ic, leds, Console.Out, TimeProvider.System);
                d.Show(Look.Dark, ic.Source, LightState.Off);
                d.Release(keepShown: true);
                Console.Out.WriteLine($"{d.Describe}: off");
            }
            catch (Exception e) when (e is IndicatorException or IOException or UnauthorizedAccessException)
            {
                log.Error("{Driver}: {Error}", ConfigShape.Name(ic.Driver), e.Message);
                failed++;
            }
        }
        return failed > 0 && failed == leds.Indicators.Count ? ExitCodes.Software : ExitCodes.Ok;
    }

    private static int List(LedsConfig leds)
    {
        var w = Console.Out;
        var classLeds = LedClassDriver.List(leds.SysfsRoot);
        w.WriteLine($"LED class ({Path.Combine(leds.SysfsRoot, "class", "leds")}):{(classLeds.Count == 0 ? " none" : "")}");
        foreach (var (name, trigger, max) in classLeds)
            w.WriteLine($"  {name,-32} trigger {trigger}, max_brightness {max}");
        string[] chips = Directory.Exists("/dev") ? [.. Directory.EnumerateFiles("/dev", "gpiochip*").Order(StringComparer.Ordinal)] : [];
        w.WriteLine($"GPIO chips:{(chips.Length == 0 ? " none" : "")}");
        foreach (string path in chips)
        {
            try
            {
                using var chip = GpioChip.Open(path);
                w.WriteLine($"  {path} {chip.Name} ({chip.Label}), {chip.Lines} lines");
                for (uint i = 0; i < chip.Lines; i++)
                {
                    var (name, consumer, used, output) = chip.LineInfo(i);
                    string use = used ? $" used by '{consumer}'{(output ? " as output" : "")}" : "";
                    w.WriteLine($"    {i,3} {(name.Length == 0 ? "-" : name)}{use}");
                }
            }
            catch (IndicatorException e)
            {
                w.WriteLine($"  {path}: {e.Message}");
            }
        }
        return ExitCodes.Ok;
    }
}

using System.Runtime.InteropServices;
using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using EdgeMonitor.Reporting.Mqtt;
using Serilog;

namespace EdgeMonitor.Cli;

/// <summary>
/// `edgemonitor mqtt-test`: checks the configured targets once, reports the result through the
/// real MQTT reporter and stays connected until stopped. For installers ("does my mqtt section
/// work?") and for tests that need the reporter in its own process (the last will after SIGKILL).
/// </summary>
public static class MqttTestCommand
{
    public static Verb Verb { get; } = new("mqtt-test", "check once, report over MQTT, stay connected until stopped",
        """
        usage: edgemonitor mqtt-test [--config PATH] [--state-dir DIR] [--seconds N]

        Checks every target once and publishes availability, status, targets, events and Home
        Assistant discovery to the broker of the config's mqtt section (enabled or not), then
        stays connected, answering `recheck` and `identify` on <prefix>/command, until Ctrl-C,
        SIGTERM or N seconds. Log lines go to stderr.
          --config PATH    configuration file (default: as `run`: $CONFIGURATION_DIRECTORY/edgemonitor.json,
                           else /etc/edgemonitor/edgemonitor.json, else the embedded default)
          --state-dir DIR  where the MQTT spool lives (default: $STATE_DIRECTORY, else /var/lib/edgemonitor)
          --seconds N      stop after N seconds

        exit: 0 stopped cleanly, 70 MQTT could not start, 78 config error

        """, RunAsync);

    private static async Task<int> RunAsync(Args args)
    {
        string? configPath = ConfigOption.Read(args);
        string stateDir = args.Option("--state-dir") ?? Environment.GetEnvironmentVariable("STATE_DIRECTORY") ?? "/var/lib/edgemonitor";
        int? seconds = args.IntOption("--seconds", 1, 86400);
        args.EnsureEmpty();

        EdgeMonitorConfig config = ConfigOption.Load(configPath);
        config.Mqtt.Enabled = true;
        // Again, now that MQTT is on: its TLS and credentials files count.
        ConfigLoader.Validate(config, configPath ?? ConfigLoader.EmbeddedName, ConfigOption.Outputs);
        using var log = new LoggerConfiguration().MinimumLevel.Debug()
            .WriteTo.Console(standardErrorFromLevel: Serilog.Events.LogEventLevel.Verbose).CreateLogger();
        log.Information("{Config}", ConfigOption.Banner(configPath));
        string node = config.NodeName;
        IReadOnlyList<Target> targets = TargetCatalog.Build(config);
        var plan = new ProbePlan(targets, EnvironmentFactory.Create(config));

        using var stop = new CancellationTokenSource(seconds is int s ? TimeSpan.FromSeconds(s) : Timeout.InfiniteTimeSpan);
        var control = new Control(log);
        await using var reporter = MqttReporter.TryCreate(config.Mqtt, config.Site, node, targets, stateDir, log, control,
            TimeProvider.System);
        if (reporter is null)
            return ExitCodes.Software;
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });

        var previous = new StatusSnapshot(Status.Unknown, Reason.Unknown, [], [], []);
        while (!stop.IsCancellationRequested)
        {
            IReadOnlyList<ProbeResult> results;
            try
            {
                results = await plan.RunOnceAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            var current = StatusEvaluator.Evaluate(targets, results);
            reporter.OnStatus(StatusChange.Between(previous, current, DateTimeOffset.UtcNow));
            Console.Out.WriteLine($"reported: {current.Overall.ToName()}");
            previous = current;
            try
            {
                await control.Recheck.WaitAsync(stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
        return ExitCodes.Ok;
    }

    private sealed class Control(ILogger log) : IMonitorControl
    {
        public SemaphoreSlim Recheck { get; } = new(0);

        public void RecheckNow(string why)
        {
            log.Information("recheck requested ({Why})", why);
            Recheck.Release();
        }

        public void Identify(TimeSpan duration) => log.Information("identify requested for {Seconds} s (no LEDs in mqtt-test)", duration.TotalSeconds);
    }
}

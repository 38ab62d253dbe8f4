using System.Diagnostics;
using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using EdgeMonitor.Net.Dhcp;
using EdgeMonitor.Probes;
using EdgeMonitor.Reporting;

namespace EdgeMonitor.Cli;

public static class CheckCommand
{
    public static Verb Verb { get; } = new("check", "check every selected endpoint once and print why each fails",
        """
        usage: edgemonitor check [--config PATH] [--profile NAME]... [--json] [--wide]

        Runs every target of the selected profiles once, concurrently within probe.concurrency,
        and prints a table and a summary.
          --config PATH    configuration file (default: as `run`: $CONFIGURATION_DIRECTORY/edgemonitor.json,
                           else /etc/edgemonitor/edgemonitor.json, else the embedded default)
          --profile NAME   only this built-in profile (repeatable); replaces the config's list
          --json           one JSON object: overall, profiles, groups, results
          --wide           full rows (default on a terminal: rows cut to its width with an ellipsis)

        exit: 0 ok, 1 degraded, 2 failing, 64 usage error, 78 config error

        """, RunAsync);

    private static async Task<int> RunAsync(Args args)
    {
        string? configPath = ConfigOption.Read(args);
        List<string> profiles = ProfileOption.Read(args);
        bool json = args.Flag("--json");
        bool wide = args.Flag("--wide");
        args.EnsureEmpty();

        EdgeMonitorConfig config = ConfigOption.Load(configPath);
        ConfigLoader.SelectProfiles(config, profiles, configPath ?? ConfigLoader.EmbeddedName, ConfigOption.Outputs);
        NtpServerChoice? learnedNtp = MonitorSetup.LearnNtp(config, out string? noDhcpNtp);
        IReadOnlyList<Target> targets = TargetCatalog.Build(config, learnedNtp: learnedNtp);
        ProbeEnvironment env = EnvironmentFactory.Create(config);
        var plan = new ProbePlan(targets, env);
        // Kinds that hold a connection on purpose (idle) take that long before their verdict: say so.
        foreach (var lane in plan.Lanes.Where(l => l.OwnTime is not null))
            Console.Error.WriteLine($"edgemonitor check: {lane.Target.Key} ({lane.Target.Kind}) waits {lane.OwnTime!.Value.TotalSeconds:0} s on purpose before its verdict");

        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        long start = Stopwatch.GetTimestamp();
        IReadOnlyList<ProbeResult> results;
        try
        {
            results = await plan.RunOnceAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("edgemonitor check: interrupted");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        TimeSpan wall = Stopwatch.GetElapsedTime(start);
        StatusSnapshot snapshot = StatusEvaluator.Evaluate(targets, results);

        if (json)
            Console.Out.WriteLine(StatusJson.Serialize(snapshot));
        else
            Console.Out.Write(StatusTable.Render(snapshot, wall, configPath, TerminalWidth(), wide, NtpLine(config, learnedNtp, noDhcpNtp)));

        return snapshot.Overall switch
        {
            Status.Ok => ExitCodes.Ok,
            Status.Degraded => ExitCodes.Degraded,
            // Failing; unknown cannot be the end of a check: every target gives at least one result
            // (a DNS failure is one), so every group is judged, and nothing to check is refused (78).
            _ => ExitCodes.Failing,
        };
    }

    /// <summary>Which NTP server stands for the DHCP one, and from where; null when no selected profile follows DHCP's.</summary>
    private static string? NtpLine(EdgeMonitorConfig config, NtpServerChoice? learned, string? why)
    {
        if (!TargetCatalog.WantsDhcpNtp(config))
            return null;
        if ((TargetCatalog.NtpServer(config) ?? learned) is { } ntp)
            return $"ntp server: {ntp.Host}:{ntp.Port} from {ntp.Source}";
        return config.Ntp.FromDhcp
            ? $"ntp server: none from DHCP ({why}): the fixed pools are checked"
            : "ntp server: not learnt (ntp.fromDhcp is false): the fixed pools are checked";
    }

    /// <summary>The terminal's width, else $COLUMNS, else none (piped output keeps full rows).</summary>
    private static int? TerminalWidth()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("COLUMNS"), out int columns) && columns > 0)
            return columns;
        if (Console.IsOutputRedirected)
            return null;
        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

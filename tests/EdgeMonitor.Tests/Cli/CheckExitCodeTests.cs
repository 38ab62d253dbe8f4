using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Tests.Daemon;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Cli;

/// <summary>
/// `check`'s documented exit codes against real loopback listeners: 0 ok, 1 degraded, 2 failing.
/// There is no "unknown" exit: <see cref="Every_target_with_a_result_is_judged_so_check_never_ends_unknown"/> says why.
/// </summary>
public sealed class CheckExitCodeTests
{
    private static (int Exit, string Stdout) Check(string targets)
    {
        string file = Path.Combine(TempDir.Create("exit"), "c.json");
        File.WriteAllText(file, $$"""{ "targets": [ {{targets}} ], "probe": { "ipv6": "off", "timeoutMs": 2000 } }""");
        var (exit, stdout, stderr) = EdgeMonitorCli.Run(["check", "--config", file]);
        return (exit, stdout + stderr);
    }

    [Fact]
    public void Ok_degraded_and_failing_exit_0_1_and_2()
    {
        using var up = new AcceptingListener();
        int closed = Ports.Free();
        string good = $$"""{ "id": "up", "kind": "tcp", "host": "127.0.0.1", "port": {{up.Port}} }""";
        string optionalDown = $$"""{ "id": "extra", "kind": "tcp", "host": "127.0.0.1", "port": {{closed}}, "requirement": "optional" }""";
        string requiredDown = $$"""{ "id": "core", "kind": "tcp", "host": "127.0.0.1", "port": {{closed}} }""";

        var ok = Check(good);
        Assert.True(ok.Exit == 0, ok.Stdout);

        // Only an optional target fails: degraded, exit 1.
        var degraded = Check($"{good}, {optionalDown}");
        Assert.True(degraded.Exit == 1, degraded.Stdout);
        Assert.Contains("overall: degraded", degraded.Stdout);

        var failing = Check($"{good}, {requiredDown}");
        Assert.True(failing.Exit == 2, failing.Stdout);
        Assert.Contains("overall: failing", failing.Stdout);
    }

    /// <summary>
    /// `check` probes every target once and the runner gives each at least one result (a DNS
    /// failure is one); with a result for every target no group, profile or overall status stays
    /// unknown, whatever the roles, requirements and outcomes. A config with nothing to check is
    /// refused (exit 78, HostileInputTests). So `check` cannot end unknown and has no exit code for it.
    /// </summary>
    [Fact]
    public void Every_target_with_a_result_is_judged_so_check_never_ends_unknown()
    {
        var rng = new Random(17);
        Requirement[] requirements = [Requirement.Required, Requirement.Optional, Requirement.Blocked];
        for (int i = 0; i < 5000; i++)
        {
            var targets = Enumerable.Range(0, rng.Next(1, 7)).Select(n => new Target($"p{rng.Next(2)}", $"t{n}", "tcp", "127.0.0.1", 9,
                requirements[rng.Next(3)], rng.Next(3) == 0 ? Role.Fallback : Role.Primary, $"g{rng.Next(3)}", "test")).ToList();
            var results = targets.SelectMany(t => Enumerable.Range(0, rng.Next(1, 3)).Select(f => new ProbeResult(t, f == 0 ? Family.IPv4 : Family.IPv6,
                null, rng.Next(2) == 0, Reason.TcpRefused, "", 1, t.Requirement, DateTimeOffset.UnixEpoch))).ToList();
            var s = StatusEvaluator.Evaluate(targets, results);
            Assert.NotEqual(Status.Unknown, s.Overall);
            Assert.DoesNotContain(s.Groups, g => g.Status == Status.Unknown);
        }
    }

    [Fact]
    public void A_bad_mqtt_section_is_a_config_error_for_check_with_every_path()
    {
        string file = Path.Combine(TempDir.Create("exit"), "c.json");
        File.WriteAllText(file, """{ "targets": [ { "id": "a", "kind": "tcp", "host": "127.0.0.1", "port": 1 } ], "mqtt": { "port": 70000, "discoveryPrefix": "#" } }""");
        var (exit, stdout, stderr) = EdgeMonitorCli.Run(["check", "--config", file]);
        Assert.True(exit == 78, stdout + stderr);
        Assert.Contains("$.mqtt.port: must be 1..65535", stderr);
        Assert.Contains("$.mqtt.discoveryPrefix: must be a topic without wildcards", stderr);
    }
}

using EdgeMonitor.Tests.Daemon;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Cli;

/// <summary>`check`'s documented exit codes against real loopback listeners: 0 ok, 1 degraded, 2 failing.</summary>
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
}

using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Daemon;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Indicators;

/// <summary>The real `edgemonitor run` restarted over a status.json that said ok: its LEDs wait for a verdict of their own.</summary>
public sealed class LedsAfterRestartTests
{
    [Fact]
    public void A_restart_shows_the_starting_pattern_not_the_last_runs_green_until_the_first_cycle_ends()
    {
        using var sys = new FakeSysfs();
        sys.AddLed("green:status").AddLed("amber:status").AddLed("red:status");
        using var api = new AcceptingListener();
        int echoPort = Ports.Free();
        using var echo = EdgeMonitorCli.Start(["echo-server", "--listen", $"127.0.0.1:{echoPort}"]);
        echo.WaitFor(() => echo.Output.Contains("listening", StringComparison.Ordinal), "echo-server listening");
        // The idle target's first probe takes ten minutes, so this process has no verdict of its own in this test.
        using var d = new DaemonHarness($$"""
            { "site": "lab",
              "probe": { "timeoutMs": 1000 },
              "monitor": { "intervalSeconds": 1, "jitter": 0.1 },
              "leds": { "sysfsRoot": "{{sys.Root}}",
                "indicators": [ { "driver": "ledclass", "green": "green:status", "amber": "amber:status", "red": "red:status" } ] },
              "targets": [
                { "id": "api", "kind": "tcp", "host": "127.0.0.1", "port": {{api.Port}}, "group": "api" },
                { "id": "keeper", "kind": "idle", "host": "127.0.0.1", "port": {{echoPort}}, "idleSeconds": 600 } ] }
            """);
        Directory.CreateDirectory(d.StateDir);
        File.WriteAllText(d.StatusPath, """
            { "updatedAt": "2026-01-01T00:00:00+00:00", "overall": "ok", "reason": "ok",
              "profiles": [ { "name": "custom", "status": "ok" } ],
              "groups": [ { "id": "api", "profile": "custom", "status": "ok", "reason": "ok", "detail": "old" } ],
              "results": [] }
            """);
        d.Start();
        d.Process!.WaitFor(() => d.Process.Output.Contains("last known status", StringComparison.Ordinal), "stale status loaded");
        d.Process.WaitFor(() => api.Accepted >= 3, "several probes of api");
        using (var doc = d.Status())
            Assert.True(doc!.RootElement.GetProperty("stale").GetBoolean()); // still no verdict of this run

        Assert.Equal("off", sys.State("green:status"));
        Assert.Equal("timer 100/1900", sys.State("amber:status")); // unknown / starting: amber short flash
        Assert.Equal("off", sys.State("red:status"));
        Assert.Equal(0, d.Terminate(seconds: 5));
    }
}

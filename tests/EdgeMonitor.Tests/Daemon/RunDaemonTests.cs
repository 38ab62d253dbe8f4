using System.Net.Sockets;
using System.Text;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Daemon;

/// <summary>The real `edgemonitor run` process against loopback listeners: hysteresis, signals, state, systemd notify.</summary>
public sealed class RunDaemonTests
{
    private static string Config(string targets, int failuresToFail = 2, int successesToRecover = 2, int interval = 1, string extra = "") => $$"""
        { "site": "lab", {{extra}}
          "probe": { "timeoutMs": 1000 },
          "monitor": { "intervalSeconds": {{interval}}, "jitter": 0.1, "failuresToFail": {{failuresToFail}}, "successesToRecover": {{successesToRecover}} },
          "targets": [ {{targets}} ] }
        """;

    private static string Tcp(string id, int port, string group = "", string role = "primary") =>
        $$"""{ "id": "{{id}}", "kind": "tcp", "host": "127.0.0.1", "port": {{port}}, "group": "{{(group == "" ? id : group)}}", "role": "{{role}}" }""";

    [Fact]
    public void A_stopped_listener_turns_its_group_failing_and_ok_again_when_it_returns()
    {
        using var a = new AcceptingListener();
        using var b = new AcceptingListener();
        using var d = new DaemonHarness(Config($"{Tcp("api", a.Port)}, {Tcp("other", b.Port)}", failuresToFail: 2, successesToRecover: 2));
        d.Start();
        d.WaitForStatus(s => DaemonHarness.Overall(s) == "ok", "overall ok");

        a.Stop();
        var failing = d.WaitForStatus(s => DaemonHarness.GroupStatus(s, "api") == "failing", "group api failing");
        Assert.Equal("ok", DaemonHarness.GroupStatus(failing, "other"));
        Assert.Equal("failing", DaemonHarness.Overall(failing));
        Assert.Equal("tcp_refused", failing.GetProperty("reason").GetString());
        Assert.False(failing.GetProperty("stale").GetBoolean());

        a.Start();
        d.WaitForStatus(s => DaemonHarness.Overall(s) == "ok" && DaemonHarness.GroupStatus(s, "api") == "ok", "overall ok again");
        Assert.Equal(0, d.Terminate());
        // A line per status change, not per probe: dozens of probes ran, a handful of lines name the group.
        int lines = d.Process!.Output.Split('\n').Count(l => l.Contains("group:custom/api", StringComparison.Ordinal));
        Assert.InRange(lines, 3, 4);
    }

    [Fact]
    public void Started_under_nohup_it_still_reloads_on_sighup()
    {
        // nohup starts it with SIGHUP ignored, and .NET keeps an inherited "ignore" unless told otherwise.
        using var a = new AcceptingListener();
        using var d = new DaemonHarness(Config(Tcp("first", a.Port)));
        d.Start(wrapIn: ["nohup"]);
        d.WaitForStatus(s => DaemonHarness.GroupStatus(s, "first") == "ok", "group first ok");

        File.WriteAllText(d.ConfigPath, Config(Tcp("second", a.Port)));
        d.Process!.Signal(Posix.SIGHUP);
        d.WaitForStatus(s => DaemonHarness.GroupStatus(s, "second") == "ok", "group second ok after SIGHUP");
        Assert.Equal(0, d.Terminate());
    }

    [Fact]
    public void Sighup_with_a_broken_config_keeps_the_running_one_and_a_good_one_is_applied()
    {
        using var a = new AcceptingListener();
        using var d = new DaemonHarness(Config(Tcp("first", a.Port)));
        d.Start();
        d.WaitForStatus(s => DaemonHarness.GroupStatus(s, "first") == "ok", "group first ok");

        File.WriteAllText(d.ConfigPath, "{ \"site\": \"lab\", \"monitor\": { \"intervalSeconds\": 0 }, ");
        d.Process!.Signal(Posix.SIGHUP);
        d.Process.WaitFor(() => d.Process.Output.Contains("reload failed", StringComparison.Ordinal), "reload failure logged");
        Assert.False(d.Process.HasExited);

        // Still monitoring with the old config: the listener going away is noticed.
        a.Stop();
        d.WaitForStatus(s => DaemonHarness.GroupStatus(s, "first") == "failing", "group first failing under the kept config");

        a.Start();
        File.WriteAllText(d.ConfigPath, Config(Tcp("second", a.Port)));
        d.Process.Signal(Posix.SIGHUP);
        var s2 = d.WaitForStatus(s => DaemonHarness.GroupStatus(s, "second") == "ok", "group second ok after a good reload");
        Assert.Equal("(none)", DaemonHarness.GroupStatus(s2, "first"));
        Assert.Equal(0, d.Terminate());
    }

    [Fact]
    public void Sigusr1_rechecks_every_target_ahead_of_schedule()
    {
        using var a = new AcceptingListener();
        using var d = new DaemonHarness(Config(Tcp("slow", a.Port), interval: 3600));
        d.Start();
        d.WaitForStatus(s => DaemonHarness.Overall(s) == "ok", "overall ok");
        d.Process!.WaitFor(() => a.Accepted == 1, "the first probe");

        d.Process.Signal(Posix.SIGUSR1);
        d.Process.WaitFor(() => a.Accepted == 2, "a second probe after SIGUSR1 (the interval is an hour)");
        d.Process.WaitForOutput("re-checking every target now (SIGUSR1)");
        Assert.Equal(0, d.Terminate());
    }

    [Fact]
    public void Last_state_is_shown_stale_until_the_first_cycle_ends_and_sigterm_stops_with_an_idle_probe_in_flight()
    {
        using var a = new AcceptingListener();
        int echoPort = Ports.Free();
        using var echo = EdgeMonitorCli.Start(["echo-server", "--listen", $"127.0.0.1:{echoPort}"]);
        echo.WaitFor(() => echo.Output.Contains("listening", StringComparison.Ordinal), "echo-server listening");
        // The idle target's first probe takes ten minutes, so the first cycle cannot end in this test.
        using var d = new DaemonHarness(Config($$"""
            {{Tcp("api", a.Port)}},
            { "id": "keeper", "kind": "idle", "host": "127.0.0.1", "port": {{echoPort}}, "idleSeconds": 600 }
            """));
        Directory.CreateDirectory(d.StateDir);
        File.WriteAllText(d.StatusPath, """
            { "updatedAt": "2026-01-01T00:00:00+00:00", "overall": "failing", "reason": "tcp_timeout",
              "profiles": [ { "name": "custom", "status": "failing" } ],
              "groups": [ { "id": "api", "profile": "custom", "status": "failing", "reason": "tcp_timeout", "detail": "old" } ],
              "results": [] }
            """);
        d.Start();
        d.Process!.WaitFor(() => d.Process.Output.Contains("last known status", StringComparison.Ordinal), "stale status logged");
        d.Process.WaitFor(() => a.Accepted >= 3, "several probes of api");
        using (var doc = d.Status())
        {
            var s = doc!.RootElement;
            Assert.True(s.GetProperty("stale").GetBoolean());
            Assert.Equal("failing", DaemonHarness.Overall(s));
            Assert.Equal("tcp_timeout", s.GetProperty("reason").GetString());
        }
        // The idle probe holds its connection: a clean stop must not wait for it.
        Assert.Equal(0, d.Terminate(seconds: 5));
        d.Process!.WaitForOutput("stopped");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Notify_socket_receives_ready_status_and_watchdog(bool abstractName)
    {
        using var a = new AcceptingListener();
        string dir = TempDir.Create("notify");
        string name = abstractName ? $"edgemonitor-test-{Guid.NewGuid():N}" : Path.Combine(dir, "notify.sock");
        using var listener = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(abstractName ? "\0" + name : name));
        listener.ReceiveTimeout = 500;

        using var d = new DaemonHarness(Config(Tcp("api", a.Port)));
        d.Start(new Dictionary<string, string>
        {
            ["NOTIFY_SOCKET"] = abstractName ? "@" + name : name,
            ["WATCHDOG_USEC"] = "2000000",
        });
        var seen = new List<string>();
        var buffer = new byte[4096];
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (DateTime.UtcNow < deadline && !(seen.Any(m => m.Contains("READY=1")) && seen.Any(m => m == "WATCHDOG=1")
                                                && seen.Any(m => m.StartsWith("STATUS=ok", StringComparison.Ordinal))))
        {
            try
            {
                int n = listener.Receive(buffer);
                seen.Add(Encoding.UTF8.GetString(buffer, 0, n));
            }
            catch (SocketException)
            {
                Assert.False(d.Process!.HasExited, d.Process.Output);
            }
        }
        string all = string.Join(" | ", seen);
        Assert.Contains(seen, m => m.Contains("READY=1"));
        Assert.Contains(seen, m => m == "WATCHDOG=1");
        Assert.True(seen.Any(m => m.StartsWith("STATUS=ok", StringComparison.Ordinal)), all);
        Assert.Equal(0, d.Terminate());
    }

    [Fact]
    public void A_log_file_that_cannot_be_written_is_survived()
    {
        using var a = new AcceptingListener();
        using var d = new DaemonHarness(Config(Tcp("api", a.Port), extra: ""));
        string logs = Path.Combine(d.Dir, "logs");
        Directory.CreateDirectory(logs);
        // Every write to the log file fails with ENOSPC, like a full SD card.
        File.CreateSymbolicLink(Path.Combine(logs, "edgemonitor.log"), "/dev/full");
        d.Start(new Dictionary<string, string> { ["LOGS_DIRECTORY"] = logs });
        d.WaitForStatus(s => DaemonHarness.Overall(s) == "ok", "overall ok");
        a.Stop();
        d.WaitForStatus(s => DaemonHarness.Overall(s) == "failing", "overall failing with the log file full");
        d.Process!.WaitForOutput("overall ok -> failing"); // the console still has it
        Assert.Equal(0, d.Terminate());
    }
}

using System.Net.Sockets;
using System.Text;
using EdgeMonitor.Hosting;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Hosting;

public sealed class HostingTests
{
    [Fact]
    public void State_file_round_trips_as_stale_and_is_replaced_atomically()
    {
        string dir = TempDir.Create("state");
        string path = Path.Combine(dir, StateFile.FileName);
        var t = new Target("lab", "api", "tcp", "127.0.0.1", 1, Requirement.Required, Role.Primary, "api", "n");
        var r = new ProbeResult(t, Family.IPv4, "127.0.0.1:1", false, Reason.TcpRefused, "refused", 0.3, Requirement.Required, DateTimeOffset.UnixEpoch);
        var snap = StatusEvaluator.Evaluate([t], [r]);
        StateFile.Write(path, StateFile.Render(snap, DateTimeOffset.UnixEpoch, 7));
        Assert.False(File.Exists(path + ".tmp"));

        var loaded = StateFile.Load(path, out string? error);
        Assert.Null(error);
        Assert.True(loaded!.Stale);
        Assert.Equal(Status.Failing, loaded.Overall);
        Assert.Equal(Reason.TcpRefused, loaded.OverallReason);
        Assert.Equal(snap.Groups.Single() with { }, loaded.Groups.Single());
        Assert.Contains("\"stale\": true", StateFile.Render(loaded, DateTimeOffset.UnixEpoch, 0));

        File.WriteAllText(path, "{ not json");
        Assert.Null(StateFile.Load(path, out error));
        Assert.NotNull(error);
    }

    [Fact]
    public void A_state_file_of_the_previous_version_loads_with_typed_reasons()
    {
        string dir = TempDir.Create("state");
        string path = Path.Combine(dir, StateFile.FileName);
        // As the last version wrote it (reasons as text; a group with none; a code from a newer version).
        File.WriteAllText(path, """
            { "overall": "failing", "reason": "tls_intercepted",
              "profiles": [ { "name": "lab", "status": "failing" }, { "name": "dt", "status": "unknown" } ],
              "groups": [ { "id": "gw", "profile": "lab", "status": "failing", "reason": "tls_intercepted", "detail": "d" },
                          { "id": "ntp", "profile": "lab", "status": "degraded", "reason": "ntp_timeout", "detail": "" },
                          { "id": "x", "profile": "dt", "status": "unknown", "reason": "", "detail": "" },
                          { "id": "y", "profile": "dt", "status": "ok", "reason": "from_the_future", "detail": "" } ],
              "updatedAt": "2026-01-01T00:00:00+00:00", "stale": false, "cycles": 3 }
            """);
        var loaded = StateFile.Load(path, out string? error)!;
        Assert.Null(error);
        Assert.Equal((Status.Failing, Reason.TlsIntercepted), (loaded.Overall, loaded.OverallReason));
        Assert.Equal([Reason.TlsIntercepted, Reason.NtpTimeout, Reason.Unknown, Reason.Unknown], loaded.Groups.Select(g => g.Reason));
        Assert.Equal([("lab", Reason.TlsIntercepted), ("dt", Reason.Unknown)], loaded.Profiles.Select(p => (p.Name, p.Reason)));
        Assert.Contains("\"reason\": \"tls_intercepted\"", StateFile.Render(loaded, DateTimeOffset.UnixEpoch, 0));
    }

    [Fact]
    public void Notifier_writes_datagrams_and_is_a_no_op_without_a_socket()
    {
        string dir = TempDir.Create("sdn");
        string sock = Path.Combine(dir, "n.sock");
        using var l = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        l.Bind(new UnixDomainSocketEndPoint(sock));
        using (var n = new SystemdNotifier(sock))
        {
            Assert.True(n.Watchdog());
            var buf = new byte[256];
            Assert.Equal("WATCHDOG=1", Encoding.UTF8.GetString(buf, 0, l.Receive(buf)));
        }
        using var none = new SystemdNotifier(null);
        Assert.False(none.Enabled);
        Assert.False(none.Ready());
        // Nobody listening any more: a failed send is not an error.
        using var gone = new SystemdNotifier(Path.Combine(dir, "missing.sock"));
        Assert.False(gone.Ready());
    }
}

public sealed class WatchdogTests
{
    [Fact]
    public async Task Watchdog_pings_only_after_healthy_progress()
    {
        string dir = TempDir.Create("wd");
        string sock = Path.Combine(dir, "n.sock");
        using var l = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        l.Bind(new UnixDomainSocketEndPoint(sock));
        l.ReceiveTimeout = 1500;
        using var notifier = new SystemdNotifier(sock);
        var tracker = new ProgressTracker();
        // The last healthy beat was an hour ago; the loop still beats but reports a stuck probe.
        tracker.OnProgress(new MonitorProgress(DateTimeOffset.UtcNow.AddHours(-1), 10, 1, true, "ok"));
        tracker.OnProgress(new MonitorProgress(DateTimeOffset.UtcNow, 10, 1, false, "probe lab/api stuck for 300 s"));
        await using (var wd = new Watchdog(notifier, tracker, TimeSpan.FromSeconds(1), Serilog.Core.Logger.None))
        {
            wd.Start();
            var buf = new byte[64];
            Assert.Throws<SocketException>(() => l.Receive(buf)); // several periods pass: no ping

            tracker.OnProgress(new MonitorProgress(DateTimeOffset.UtcNow, 11, 1, true, "ok"));
            l.ReceiveTimeout = 10_000;
            Assert.Equal("WATCHDOG=1", Encoding.UTF8.GetString(buf, 0, l.Receive(buf)));
        }
    }
}

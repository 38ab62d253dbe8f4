using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Daemon;

/// <summary>
/// The idle-timeout check end to end: `edgemonitor echo-server` and `edgemonitor run` inside a
/// namespace whose conntrack forgets established TCP connections after 3 s and drops what it
/// no longer knows, like a firewall with a short TCP timeout.
/// </summary>
public sealed class IdleCheckTests
{
    private static string IdleConfig(int port, int idleSeconds) => $$"""
        { "probe": { "timeoutMs": 2000 },
          "monitor": { "failuresToFail": 1, "successesToRecover": 1 },
          "targets": [ { "id": "keeper", "kind": "idle", "host": "127.0.0.1", "port": {{port}}, "idleSeconds": {{idleSeconds}} } ] }
        """;

    private static JsonElement KeeperResult(JsonElement s) => s.GetProperty("results").EnumerateArray().Single();

    private static (string Outcome, string Reason, string Detail) RunIdleCheckInNamespace(int conntrackEstablishedSeconds, int idleSeconds)
    {
        using var ns = new NetNs("emidle");
        // A firewall that forgets: conntrack entries expire after the given time; packets of a
        // connection it no longer knows are invalid (no loose pickup) and dropped silently.
        ns.Exec("sysctl", "-qw", $"net.netfilter.nf_conntrack_tcp_timeout_established={conntrackEstablishedSeconds}",
            "net.netfilter.nf_conntrack_tcp_loose=0");
        ns.Nft("""
            table inet fw {
              chain output {
                type filter hook output priority 0; policy accept;
                ct state invalid drop
                ct state new tcp flags & (syn|ack) != syn drop
              }
            }
            """);
        const int port = 7007;
        using var echo = EdgeMonitorCli.Start(["echo-server", "--listen", $"127.0.0.1:{port}"], wrapIn: ["ip", .. ns.Wrap()]);
        echo.WaitFor(() => echo.Output.Contains("listening", StringComparison.Ordinal), "echo-server listening");
        using var d = new DaemonHarness(IdleConfig(port, idleSeconds));
        d.Start(wrapIn: ["ip", .. ns.Wrap()]);
        var s = d.WaitForStatus(s => s.GetProperty("results").GetArrayLength() == 1, "the idle check's result", seconds: 60);
        var r = KeeperResult(s);
        d.Terminate();
        return (r.GetProperty("outcome").GetString()!, r.GetProperty("reason").GetString()!, r.GetProperty("detail").GetString()!);
    }

    [RootFact]
    public void Short_conntrack_timeout_cuts_the_idle_connection()
    {
        var (outcome, reason, detail) = RunIdleCheckInNamespace(conntrackEstablishedSeconds: 3, idleSeconds: 6);
        Assert.Equal(("fail", "idle_cut"), (outcome, reason));
        Assert.Contains("cut after 6 s idle", detail);
    }

    [RootFact]
    public void Normal_conntrack_timeout_keeps_the_idle_connection()
    {
        var (outcome, reason, detail) = RunIdleCheckInNamespace(conntrackEstablishedSeconds: 600, idleSeconds: 6);
        Assert.Equal(("pass", "ok"), (outcome, reason));
        Assert.Contains("survived 6 s idle", detail);
    }

    [Fact]
    public void A_listener_that_does_not_echo_is_told_apart_from_a_cut()
    {
        using var silent = new AcceptingListenerThatHolds();
        using var d = new DaemonHarness(IdleConfig(silent.Port, 1));
        d.Start();
        var s = d.WaitForStatus(s => s.GetProperty("results").GetArrayLength() == 1, "the idle check's result");
        var r = KeeperResult(s);
        Assert.Equal("tcp_timeout", r.GetProperty("reason").GetString());
        Assert.Contains("does not echo", r.GetProperty("detail").GetString());
        d.Terminate();
    }

    [Fact]
    public void Echo_server_echoes_and_bounds_connections_and_bytes()
    {
        int port = Ports.Free();
        using var echo = EdgeMonitorCli.Start(["echo-server", "--listen", $"127.0.0.1:{port}", "--max-connections", "1", "--max-bytes", "64"]);
        var ep = new IPEndPoint(IPAddress.Loopback, port);
        echo.WaitFor(() => echo.Output.Contains("listening", StringComparison.Ordinal), "echo-server listening");

        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000 };
        first.Connect(ep);
        first.Send("hello\n"u8);
        var buf = new byte[256];
        int n = first.Receive(buf);
        Assert.Equal("hello\n", System.Text.Encoding.ASCII.GetString(buf, 0, n));

        // Over the connection cap: accepted and closed at once.
        using (var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveTimeout = 10_000 })
        {
            second.Connect(ep);
            Assert.Equal(0, second.Receive(buf));
        }

        // Over the byte cap: the first 64 bytes come back, then the server closes.
        first.Send(new byte[200]);
        int total = 6, got;
        while ((got = first.Receive(buf)) > 0)
            total += got;
        Assert.Equal(64, total);

        echo.Signal(Posix.SIGTERM);
        Assert.True(echo.Process.WaitForExit(10_000));
        Assert.Equal(0, echo.Process.ExitCode);
    }

    [Fact]
    public void Check_gives_an_idle_target_its_own_time_limit()
    {
        int port = Ports.Free();
        using var echo = EdgeMonitorCli.Start(["echo-server", "--listen", $"127.0.0.1:{port}"]);
        echo.WaitFor(() => echo.Output.Contains("listening", StringComparison.Ordinal), "echo-server listening");
        string config = Path.Combine(TempDir.Create("idlecheck"), "c.json");
        // idleSeconds longer than the probe timeout: only a lane of its own lets it finish.
        File.WriteAllText(config, $$"""
            { "probe": { "timeoutMs": 1000 },
              "targets": [ { "id": "keeper", "kind": "idle", "host": "127.0.0.1", "port": {{port}}, "idleSeconds": 2 } ] }
            """);
        var (exit, stdout, stderr) = EdgeMonitorCli.Run(["check", "--config", config, "--json"]);
        Assert.True(exit == 0, $"exit {exit}: {stdout}{stderr}");
        Assert.Contains("(idle) waits 2 s on purpose", stderr);
        using var doc = JsonDocument.Parse(stdout);
        var r = Assert.Single(doc.RootElement.GetProperty("results").EnumerateArray());
        Assert.Equal("pass", r.GetProperty("outcome").GetString());
    }

    [Fact]
    public void Echo_server_rejects_a_bad_listen_address()
    {
        var (exit, _, stderr) = EdgeMonitorCli.Run(["echo-server", "--listen", "localhost"]);
        Assert.Equal(64, exit);
        Assert.Contains("ADDR:PORT", stderr);
    }

    /// <summary>Accepts and holds connections without answering: not an echo server.</summary>
    private sealed class AcceptingListenerThatHolds : IDisposable
    {
        private readonly TcpListener _l = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _held = [];

        public int Port { get; }

        public AcceptingListenerThatHolds()
        {
            _l.Start();
            Port = ((IPEndPoint)_l.LocalEndpoint).Port;
            _ = Task.Run(async () =>
            {
                try
                {
                    while (true)
                    {
                        Socket s = await _l.AcceptSocketAsync();
                        lock (_held)
                            _held.Add(s);
                    }
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException)
                {
                }
            });
        }

        public void Dispose()
        {
            _l.Stop();
            lock (_held)
            {
                foreach (var s in _held)
                    s.Dispose();
            }
        }
    }
}

using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Probes;

/// <summary>TCP outcomes made by real sockets on loopback and a real nftables drop rule in a namespace.</summary>
public sealed class TcpProbeTests
{
    private static ProbeRunner Runner(int timeoutMs = 1500, AddressMap? map = null) => new(new ProbeEnvironment
    {
        Resolver = new SystemResolver(),
        Timeout = TimeSpan.FromMilliseconds(timeoutMs),
        AddressMap = map ?? AddressMap.Empty,
    });

    private static Target Tcp(string host, int port, string kind = "tcp") =>
        new("test", "t", kind, host, port, kind == "blocked" ? Requirement.Blocked : Requirement.Required, Role.Primary, "g", "test");

    [Fact]
    public async Task Listening_port_passes_on_ipv4_and_ipv6()
    {
        using var v4 = new TcpListener(IPAddress.Loopback, 0);
        v4.Start();
        int port = ((IPEndPoint)v4.LocalEndpoint).Port;
        var r4 = Assert.Single(await Runner().RunAsync(Tcp("127.0.0.1", port), default));
        Assert.True(r4.Pass, r4.Detail);
        Assert.Equal(Family.IPv4, r4.Family);

        using var v6 = new TcpListener(IPAddress.IPv6Loopback, 0);
        v6.Start();
        int port6 = ((IPEndPoint)v6.LocalEndpoint).Port;
        var r6 = Assert.Single(await Runner().RunAsync(Tcp("::1", port6), default));
        Assert.True(r6.Pass, r6.Detail);
        Assert.Equal(Family.IPv6, r6.Family);
    }

    [Fact]
    public async Task Closed_port_is_refused()
    {
        int port = Ports.Free();
        var r = Assert.Single(await Runner().RunAsync(Tcp("127.0.0.1", port), default));
        Assert.False(r.Pass);
        Assert.Equal(Reason.TcpRefused, r.Reason);
    }

    [Fact]
    public async Task Address_map_sends_a_name_to_a_lab_address_without_dns()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        Assert.True(AddressMap.TryCreate(new Dictionary<string, string> { ["cloud_ap.cloudtrax.com:443"] = $"127.0.0.1:{port}" }, out var map, out _));
        var r = Assert.Single(await Runner(map: map).RunAsync(Tcp("cloud_ap.cloudtrax.com", 443), default));
        Assert.True(r.Pass, r.Detail);
        Assert.Equal($"127.0.0.1:{port}", r.Address);
    }

    [RootFact]
    public void Silently_dropped_port_times_out_and_rejected_port_is_unreachable()
    {
        using var ns = new NetNs();
        ns.Nft("""
            table inet fw {
              chain output {
                type filter hook output priority 0;
                tcp dport 9 drop
                tcp dport 10 reject with icmpx type host-unreachable
              }
            }
            """);
        // Run the probe as a real process inside the namespace: check against a custom config.
        string dir = TempDir.Create("tcpdrop");
        string config = Path.Combine(dir, "c.json");
        File.WriteAllText(config, """
            { "probe": { "timeoutMs": 800 },
              "targets": [
                { "id": "dropped", "kind": "tcp", "host": "127.0.0.1", "port": 9 },
                { "id": "unreachable", "kind": "tcp", "host": "127.0.0.1", "port": 10 },
                { "id": "must-be-blocked", "kind": "blocked", "host": "127.0.0.1", "port": 9, "requirement": "blocked" } ] }
            """);
        var (exit, stdout, stderr) = EdgeMonitorCli.Run(["check", "--config", config, "--json"], wrapIn: ["ip", .. ns.Wrap()]);
        Assert.True(exit == 2, $"exit {exit}: {stdout}{stderr}");
        Assert.Contains("\"target\": \"dropped\"", stdout);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToDictionary(
            r => r.GetProperty("target").GetString()!, r => (r.GetProperty("outcome").GetString(), r.GetProperty("reason").GetString()));
        Assert.Equal(("fail", "tcp_timeout"), results["dropped"]);
        Assert.Equal(("fail", "tcp_unreachable"), results["unreachable"]);
        Assert.Equal(("pass", "ok"), results["must-be-blocked"]);
    }

    [Fact]
    public async Task Blocked_kind_fails_as_reachable_when_it_connects()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        var r = Assert.Single(await Runner().RunAsync(Tcp("127.0.0.1", port, "blocked"), default));
        Assert.False(r.Pass);
        Assert.Equal(Reason.Reachable, r.Reason);
    }
}

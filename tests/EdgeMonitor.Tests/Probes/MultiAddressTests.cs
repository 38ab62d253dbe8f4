using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Probes;

/// <summary>A load-balanced name: every address it resolves to must get through, not just the first.</summary>
public sealed class MultiAddressTests
{
    private static Target Tcp(string host, int port) =>
        new("test", "lb", "tcp", host, port, Requirement.Required, Role.Primary, "g", "test");

    [RequiresFact("dnsmasq")]
    public async Task Every_address_of_a_name_is_probed_and_one_blocked_address_fails_the_family()
    {
        using var dns = DnsmasqServer.Start("--host-record=lb.lab.test,127.0.0.1", "--host-record=lb.lab.test,127.0.0.2", "--local=/lab.test/");
        using var first = new TcpListener(IPAddress.Loopback, 0);
        first.Start();
        int port = ((IPEndPoint)first.LocalEndpoint).Port;
        var runner = new ProbeRunner(new ProbeEnvironment
        {
            Resolver = new ServerResolver(dns.Endpoint),
            Timeout = TimeSpan.FromSeconds(2),
            Ipv6 = Ipv6Mode.Off,
        });

        // Only 127.0.0.1 listens: the second address refuses, so the name's IPv4 row fails.
        var r = Assert.Single(await runner.RunAsync(Tcp("lb.lab.test", port), default));
        Assert.False(r.Pass, r.Detail);
        Assert.Equal(Reason.TcpRefused, r.Reason);
        Assert.Equal($"127.0.0.2:{port}", r.Address);
        Assert.Contains("1 of 2 addresses fail", r.Detail);

        using var second = new TcpListener(IPAddress.Parse("127.0.0.2"), port);
        second.Start();
        r = Assert.Single(await runner.RunAsync(Tcp("lb.lab.test", port), default));
        Assert.True(r.Pass, r.Detail);
        Assert.Contains("all 2 addresses pass", r.Detail);

        // probe.maxAddresses 1: only the first is probed, and the detail says what was left out.
        var one = new ProbeRunner(runner.Environment with { MaxAddresses = 1 });
        second.Stop();
        r = Assert.Single(await one.RunAsync(Tcp("lb.lab.test", port), default));
        Assert.Contains("not probed", r.Detail);
    }
}

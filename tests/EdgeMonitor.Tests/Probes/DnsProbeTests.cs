using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Probes;

/// <summary>One dnsmasq lab shared by the class (it only reads).</summary>
public sealed class DnsLab : IDisposable
{
    private readonly Lazy<DnsmasqServer> _server = new(DnsmasqServer.Lab);

    public DnsmasqServer Server => _server.Value;

    public void Dispose()
    {
        if (_server.IsValueCreated)
            _server.Value.Dispose();
    }
}

/// <summary>The DNS client and the dns probe kind against a real dnsmasq (and a silent and a lying UDP peer).</summary>
public sealed class DnsProbeTests(DnsLab lab) : IClassFixture<DnsLab>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMilliseconds(1500);

    private static async Task<DnsAnswer> Resolve(IPEndPoint server, string name, Family family)
    {
        using var cts = new CancellationTokenSource(Timeout);
        return await new ServerResolver(server).ResolveAsync(name, family, cts.Token);
    }

    private static ProbeRunner Runner(IResolver resolver, Ipv6Mode ipv6 = Ipv6Mode.Optional) => new(new ProbeEnvironment
    {
        Resolver = resolver,
        Timeout = Timeout,
        Ipv6 = ipv6,
    });

    private static Target Dns(string host, int port = 53) =>
        new("test", "dns-" + host, "dns", host, port, Requirement.Required, Role.Primary, "g", "test");

    [RequiresFact("dnsmasq")]
    public async Task Seed_name_resolves_a_and_aaaa_separately()
    {
        DnsAnswer a = await Resolve(lab.Server.Endpoint, "cloud_ap.cloudtrax.com", Family.IPv4);
        Assert.True(a.Ok, a.Detail);
        Assert.Equal([IPAddress.Parse("127.0.0.2")], a.Addresses);
        DnsAnswer aaaa = await Resolve(lab.Server.Endpoint, "CLOUD_AP.cloudtrax.com.", Family.IPv6);
        Assert.True(aaaa.Ok, aaaa.Detail);
        Assert.Equal([IPAddress.IPv6Loopback], aaaa.Addresses);
    }

    [RequiresFact("dnsmasq")]
    public async Task Cname_is_followed_to_the_address()
    {
        DnsAnswer a = await Resolve(lab.Server.Endpoint, "alias.lab.test", Family.IPv4);
        Assert.True(a.Ok, a.Detail);
        Assert.Equal([IPAddress.Parse("127.0.0.2")], a.Addresses);
        Assert.Contains("CNAME", a.Detail);
    }

    [RequiresFact("dnsmasq")]
    public async Task Name_with_only_an_a_record_has_no_ipv6_address()
    {
        Assert.True((await Resolve(lab.Server.Endpoint, "onlya.lab.test", Family.IPv4)).Ok);
        DnsAnswer aaaa = await Resolve(lab.Server.Endpoint, "onlya.lab.test", Family.IPv6);
        Assert.Equal(Reason.DnsNoAddress, aaaa.Reason);
    }

    [RequiresFact("dnsmasq")]
    public async Task Unknown_name_in_a_local_zone_is_nxdomain()
    {
        DnsAnswer r = await Resolve(lab.Server.Endpoint, "nosuch.lab.test", Family.IPv4);
        Assert.Equal(Reason.DnsNxdomain, r.Reason);
        Assert.Contains("NXDOMAIN", r.Detail);
    }

    [RequiresFact("dnsmasq")]
    public async Task Refused_counts_as_servfail_and_says_refused()
    {
        // dnsmasq has no upstream for this name, so it answers REFUSED.
        DnsAnswer r = await Resolve(lab.Server.Endpoint, "elsewhere.example", Family.IPv4);
        Assert.Equal(Reason.DnsServfail, r.Reason);
        Assert.Contains("REFUSED", r.Detail);
    }

    [RequiresFact("dnsmasq")]
    public async Task Validating_dnsmasq_answers_servfail()
    {
        using var servfail = new DnsmasqServfail();
        DnsAnswer r = await Resolve(servfail.Endpoint, "x.servfail.test", Family.IPv4);
        Assert.Equal(Reason.DnsServfail, r.Reason);
        Assert.Contains("SERVFAIL", r.Detail);
    }

    [RequiresFact("dnsmasq")]
    public async Task Truncated_udp_answer_is_retried_over_tcp()
    {
        DnsAnswer r = await Resolve(lab.Server.Endpoint, "big.lab.test", Family.IPv4);
        Assert.True(r.Ok, r.Detail);
        Assert.Equal(40, r.Addresses.Count);
        Assert.Contains("over TCP", r.Detail);
    }

    [Fact]
    public async Task Silent_server_is_dns_timeout()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        DnsAnswer r = await Resolve((IPEndPoint)silent.LocalEndPoint!, "cloud_ap.cloudtrax.com", Family.IPv4);
        Assert.Equal(Reason.DnsTimeout, r.Reason);
    }

    [Fact]
    public async Task Closed_port_is_dns_unreachable_saying_port_unreachable()
    {
        // The ICMP error comes back at once: nothing waited, so it is not a timeout.
        DnsAnswer r = await Resolve(new IPEndPoint(IPAddress.Loopback, Ports.Free()), "cloud_ap.cloudtrax.com", Family.IPv4);
        Assert.Equal(Reason.DnsUnreachable, r.Reason);
        Assert.Contains("port unreachable", r.Detail);
    }

    /// <summary>
    /// A lying peer answers every query first with a wrong ID, then with another question, then
    /// with garbage, then with NXDOMAIN for the right ID and question. Only the last counts.
    /// </summary>
    [Fact]
    public async Task Spoofed_and_mismatched_replies_are_ignored()
    {
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var serve = Task.Run(async () =>
        {
            byte[] q = new byte[512];
            var from = await peer.ReceiveFromAsync(q, new IPEndPoint(IPAddress.Any, 0));
            byte[] query = q[..from.ReceivedBytes];
            // The forged replies say SERVFAIL, the genuine one NXDOMAIN: taking any forged one shows.
            byte[] Reply(byte rcode, Action<byte[]> edit)
            {
                byte[] r = (byte[])query.Clone();
                r[2] = 0x81; r[3] = (byte)(0x80 | rcode); // QR RD RA, rcode
                edit(r);
                return r;
            }
            await peer.SendToAsync(Reply(2, r => r[0] ^= 0xFF), from.RemoteEndPoint);       // wrong ID
            await peer.SendToAsync(Reply(2, r => r[13] ^= 0x01), from.RemoteEndPoint);      // other question name
            await peer.SendToAsync(new byte[] { query[0], query[1], 0x81 }, from.RemoteEndPoint); // garbage
            await peer.SendToAsync(Reply(3, _ => { }), from.RemoteEndPoint);
        });
        DnsAnswer r = await Resolve((IPEndPoint)peer.LocalEndPoint!, "cloud_ap.cloudtrax.com", Family.IPv4);
        await serve;
        Assert.Equal(Reason.DnsNxdomain, r.Reason);
    }

    /// <summary>A truncated UDP answer when TCP 53 is closed (a firewall passing only UDP 53) says so.</summary>
    [Fact]
    public async Task Truncated_answer_with_tcp_closed_is_dns_timeout_naming_tcp()
    {
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var serve = Task.Run(async () =>
        {
            byte[] q = new byte[512];
            var from = await peer.ReceiveFromAsync(q, new IPEndPoint(IPAddress.Any, 0));
            byte[] r = q[..from.ReceivedBytes];
            r[2] = 0x83; // QR, TC, RD
            r[3] = 0x80;
            await peer.SendToAsync(r, from.RemoteEndPoint);
        });
        DnsAnswer answer = await Resolve((IPEndPoint)peer.LocalEndPoint!, "big.lab.test", Family.IPv4);
        await serve;
        Assert.Equal(Reason.DnsTimeout, answer.Reason);
        Assert.Contains("truncated over UDP and TCP", answer.Detail);
    }

    [Fact]
    public async Task Only_mismatched_replies_end_in_dns_timeout_that_says_so()
    {
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var serve = Task.Run(async () =>
        {
            byte[] q = new byte[512];
            var from = await peer.ReceiveFromAsync(q, new IPEndPoint(IPAddress.Any, 0));
            byte[] r = q[..from.ReceivedBytes];
            r[0] ^= 0x55;
            r[2] = 0x81;
            await peer.SendToAsync(r, from.RemoteEndPoint);
        });
        DnsAnswer answer = await Resolve((IPEndPoint)peer.LocalEndPoint!, "cloud_ap.cloudtrax.com", Family.IPv4);
        await serve;
        Assert.Equal(Reason.DnsTimeout, answer.Reason);
        Assert.Contains("ignored 1", answer.Detail);
    }

    [RequiresFact("dnsmasq")]
    public async Task Dns_probe_reports_each_family_through_the_runner()
    {
        var results = await Runner(new ServerResolver(lab.Server.Endpoint)).RunAsync(Dns("onlya.lab.test"), default);
        // No AAAA means no IPv6 presence: one IPv4 row, no failing IPv6 row.
        var v4 = Assert.Single(results);
        Assert.Equal(Family.IPv4, v4.Family);
        Assert.True(v4.Pass, v4.Detail);
        Assert.Contains("127.0.0.3", v4.Detail);

        var both = await Runner(new ServerResolver(lab.Server.Endpoint)).RunAsync(Dns("cloud_ap.cloudtrax.com"), default);
        var v6 = Assert.Single(both, r => r.Family == Family.IPv6);
        Assert.True(v6.Pass, v6.Detail);
        Assert.Equal(Requirement.Optional, v6.Weight);

        var nx = await Runner(new ServerResolver(lab.Server.Endpoint), Ipv6Mode.Off).RunAsync(Dns("gone.lab.test"), default);
        Assert.Equal(Reason.DnsNxdomain, Assert.Single(nx).Reason);
    }

    [Fact]
    public async Task Mapped_or_literal_host_is_not_resolved_and_says_so()
    {
        Assert.True(AddressMap.TryCreate(new Dictionary<string, string> { ["cloud_ap.cloudtrax.com"] = "127.0.0.2" }, out var map, out _));
        // A resolver that cannot be reached: any question to it would fail.
        var env = new ProbeEnvironment { Resolver = new ServerResolver(new IPEndPoint(IPAddress.Loopback, Ports.Free())), Timeout = Timeout, AddressMap = map };
        var mapped = Assert.Single(await new ProbeRunner(env).RunAsync(Dns("cloud_ap.cloudtrax.com"), default));
        Assert.True(mapped.Pass, mapped.Detail);
        Assert.Contains("not resolved", mapped.Detail);
        var literal = Assert.Single(await new ProbeRunner(env).RunAsync(Dns("127.0.0.9"), default));
        Assert.True(literal.Pass, literal.Detail);
    }

    /// <summary>A tcp target whose name resolves through dnsmasq (dns.server style) to lab addresses, both families.</summary>
    [RequiresFact("dnsmasq")]
    public async Task Tcp_target_resolved_through_dnsmasq_connects_on_both_families()
    {
        using var listener = new TcpListener(IPAddress.IPv6Any, 0);
        listener.Server.DualMode = true;
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var target = new Target("test", "cloud", "tcp", "cloud_ap.cloudtrax.com", port, Requirement.Required, Role.Primary, "g", "test");
        var results = await Runner(new ServerResolver(lab.Server.Endpoint)).RunAsync(target, default);
        Assert.All(results, r => Assert.True(r.Pass, r.Detail));
        Assert.Equal($"127.0.0.2:{port}", Assert.Single(results, r => r.Family == Family.IPv4).Address);
        Assert.Equal($"[::1]:{port}", Assert.Single(results, r => r.Family == Family.IPv6).Address);
    }
}

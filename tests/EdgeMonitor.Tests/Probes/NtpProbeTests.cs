using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Probes;

/// <summary>This box's clock, off by a fixed amount: how a test makes a skewed local clock.</summary>
public sealed class SkewedTime(TimeSpan skew) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + skew;
}

/// <summary>One chronyd serving its local clock (synchronized, stratum 8), shared by the class.</summary>
public sealed class ChronyLab : IDisposable
{
    private readonly Lazy<ChronyServer> _server = new(() => ChronyServer.Start(local: true));

    public ChronyServer Server => _server.Value;

    public void Dispose()
    {
        if (_server.IsValueCreated)
            _server.Value.Dispose();
    }
}

/// <summary>The ntp probe kind against a real chronyd, and a fake server for what chronyd will not do.</summary>
public sealed class NtpProbeTests(ChronyLab chrony) : IClassFixture<ChronyLab>
{
    private static ProbeRunner Runner(TimeSpan? skew = null, int timeoutMs = 1500, IResolver? resolver = null) => new(new ProbeEnvironment
    {
        Resolver = resolver ?? new SystemResolver(),
        Timeout = TimeSpan.FromMilliseconds(timeoutMs),
        Time = skew is { } s ? new SkewedTime(s) : TimeProvider.System,
        MaxClockOffset = TimeSpan.FromSeconds(1),
    });

    private static Target Ntp(IPEndPoint at) => Ntp(at.Address.ToString(), at.Port);

    private static Target Ntp(string host, int port) =>
        new("test", "ntp", "ntp", host, port, Requirement.Required, Role.Primary, "ntp", "test");

    private static async Task<ProbeResult> Probe(IPEndPoint at, TimeSpan? skew = null, int timeoutMs = 1500) =>
        Assert.Single(await Runner(skew, timeoutMs).RunAsync(Ntp(at), default));

    [RequiresFact("chronyd")]
    public async Task Chronyd_serving_its_clock_passes_with_stratum_offset_and_delay()
    {
        ProbeResult r = await Probe(chrony.Server.Endpoint);
        Assert.True(r.Pass, $"{r.Reason.ToCode()}: {r.Detail}\n{chrony.Server.Output}");
        Assert.Equal(Reason.Ok, r.Reason);
        Assert.Contains("stratum 8", r.Detail);
        Assert.Contains("refid 127.127.1.1", r.Detail); // chrony's local reference
        Assert.Contains("leap none", r.Detail);
        Assert.Matches(@"offset [+-]?\d+\.\d{3} ms, delay \d+\.\d{3} ms", r.Detail);
    }

    [RequiresFact("chronyd")]
    public async Task Chronyd_over_ipv6_passes()
    {
        ProbeResult r = await Probe(new IPEndPoint(IPAddress.IPv6Loopback, chrony.Server.Endpoint.Port));
        Assert.Equal(Family.IPv6, r.Family);
        Assert.True(r.Pass, $"{r.Reason.ToCode()}: {r.Detail}");
    }

    [RequiresFact("chronyd")]
    public async Task Local_clock_ahead_or_behind_fails_as_clock_skew()
    {
        ProbeResult ahead = await Probe(chrony.Server.Endpoint, skew: TimeSpan.FromSeconds(30));
        Assert.False(ahead.Pass);
        Assert.Equal(Reason.ClockSkew, ahead.Reason);
        // 30 s, give or take half the round trip (NTP's error bound: a slow, loaded box stretches the delay, not the rule).
        var m = System.Text.RegularExpressions.Regex.Match(ahead.Detail, @"local clock (\d+\.\d{3}) s ahead of the server .* delay (\d+\.\d{3}) ms");
        Assert.True(m.Success, ahead.Detail);
        double seconds = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        double halfDelay = double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) / 2000;
        Assert.InRange(seconds, 30 - halfDelay - 0.005, 30 + halfDelay + 0.005);

        ProbeResult behind = await Probe(chrony.Server.Endpoint, skew: TimeSpan.FromMinutes(-10));
        Assert.Equal(Reason.ClockSkew, behind.Reason);
        Assert.Contains("behind", behind.Detail);

        // Within the limit it still passes.
        Assert.True((await Probe(chrony.Server.Endpoint, skew: TimeSpan.FromMilliseconds(300))).Pass);
    }

    [RequiresFact("chronyd")]
    public async Task Chronyd_without_a_source_is_unsynchronized()
    {
        using var unsynced = ChronyServer.Start(local: false);
        ProbeResult r = await Probe(unsynced.Endpoint);
        Assert.Equal(Reason.NtpUnsynchronized, r.Reason);
        Assert.Contains("leap alarm", r.Detail);
    }

    [Theory]
    [InlineData("RATE")]
    [InlineData("DENY")]
    public async Task Kiss_of_death_is_ntp_kod_with_its_code(string code)
    {
        using var server = new FakeNtpServer(req => [FakeNtpServer.Bytes(FakeNtpServer.KissOfDeath(req, code))]);
        ProbeResult r = await Probe(server.Endpoint);
        Assert.Equal(Reason.NtpKod, r.Reason);
        Assert.Contains(code, r.Detail);
    }

    [Fact]
    public async Task Reply_with_a_wrong_origin_timestamp_is_bad_response()
    {
        using var server = new FakeNtpServer(req => [FakeNtpServer.Bytes(FakeNtpServer.Reply(req) with { OriginTimestamp = req.TransmitTimestamp ^ 1 })]);
        ProbeResult r = await Probe(server.Endpoint, timeoutMs: 2500);
        Assert.Equal(Reason.NtpBadResponse, r.Reason);
        Assert.Contains("origin", r.Detail);
    }

    [Fact]
    public async Task Spoofed_reply_first_does_not_hide_the_real_one()
    {
        using var server = new FakeNtpServer(req =>
        [
            FakeNtpServer.Bytes(FakeNtpServer.KissOfDeath(req, "DENY") with { OriginTimestamp = 42 }),
            FakeNtpServer.Bytes(FakeNtpServer.Reply(req)),
        ]);
        ProbeResult r = await Probe(server.Endpoint);
        Assert.True(r.Pass, r.Detail);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("mode")]
    [InlineData("version")]
    [InlineData("zeros")]
    public async Task Garbage_is_bad_response(string kind)
    {
        using var server = new FakeNtpServer(req => kind switch
        {
            "short" => [new byte[] { 0x24, 1, 2, 3 }],
            "mode" => [FakeNtpServer.Bytes(FakeNtpServer.Reply(req) with { Mode = 3 })],
            "version" => [FakeNtpServer.Bytes(FakeNtpServer.Reply(req) with { Version = 7 })],
            _ => [new byte[NtpPacket.Length]],
        });
        ProbeResult r = await Probe(server.Endpoint, timeoutMs: 2500);
        Assert.Equal(Reason.NtpBadResponse, r.Reason);
    }

    [Fact]
    public async Task Silent_server_is_ntp_timeout()
    {
        using var silent = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        silent.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        ProbeResult r = await Probe((IPEndPoint)silent.LocalEndPoint!, timeoutMs: 2500);
        Assert.Equal(Reason.NtpTimeout, r.Reason);
    }

    [Fact]
    public async Task Closed_port_is_ntp_timeout_saying_port_unreachable()
    {
        ProbeResult r = await Probe(new IPEndPoint(IPAddress.Loopback, Ports.Free()));
        Assert.Equal(Reason.NtpTimeout, r.Reason);
        Assert.Contains("port unreachable", r.Detail);
    }

    /// <summary>End to end: the ntp target's name resolves through dnsmasq (dns.server) to chronyd on loopback.</summary>
    [RequiresFact("chronyd", "dnsmasq")]
    public async Task Ntp_target_resolved_through_dnsmasq_reaches_chronyd()
    {
        using var dns = DnsmasqServer.Lab();
        var results = await Runner(resolver: new ServerResolver(dns.Endpoint)).RunAsync(Ntp("ntp.lab.test", chrony.Server.Endpoint.Port), default);
        // ntp.lab.test has only an A record: one IPv4 row, no IPv6 row.
        ProbeResult r = Assert.Single(results);
        Assert.Equal(Family.IPv4, r.Family);
        Assert.True(r.Pass, r.Detail);
        Assert.Equal(chrony.Server.Endpoint.ToString(), r.Address);
    }
}

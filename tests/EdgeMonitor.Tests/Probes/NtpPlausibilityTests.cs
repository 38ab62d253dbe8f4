using System.Net;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Fixtures;

namespace EdgeMonitor.Tests.Probes;

/// <summary>
/// Well-formed NTP replies whose content cannot be true (issue 17): a real UDP server sends them,
/// the ntp probe must not pass them.
/// </summary>
public sealed class NtpPlausibilityTests
{
    private static async Task<ProbeResult> Probe(IPEndPoint at)
    {
        var runner = new ProbeRunner(new ProbeEnvironment
        {
            Resolver = new SystemResolver(),
            Timeout = TimeSpan.FromMilliseconds(1500),
            MaxClockOffset = TimeSpan.FromSeconds(1),
        });
        var target = new Target("test", "ntp", "ntp", at.Address.ToString(), at.Port, Requirement.Required, Role.Primary, "ntp", "test");
        return Assert.Single(await runner.RunAsync(target, default));
    }

    public static TheoryData<string, string, string> Hostile => new()
    {
        // 65,536 s root delay and dispersion (0xFFFFFFFF in 16.16) as seen in the trial.
        { "huge root delay and dispersion", "ntp_unsynchronized", "root distance" },
        { "zero reference time", "ntp_unsynchronized", "reference time zero" },
        { "negative delay", "ntp_bad_response", "negative round-trip delay" },
    };

    [Theory]
    [MemberData(nameof(Hostile))]
    public async Task An_implausible_reply_fails_with_its_reason(string what, string reason, string detail)
    {
        using var server = new FakeNtpServer(req =>
        {
            NtpPacket good = FakeNtpServer.Reply(req);
            NtpPacket bad = what switch
            {
                "huge root delay and dispersion" => good with { RootDelay = uint.MaxValue, RootDispersion = uint.MaxValue },
                "zero reference time" => good with { ReferenceTimestamp = 0 },
                // The server claims it held the request 800 ms longer than the whole round trip took.
                _ => good with { TransmitTimestamp = NtpTime.FromDateTime(NtpTime.ToDateTime(good.ReceiveTimestamp).AddMilliseconds(800)) },
            };
            return [FakeNtpServer.Bytes(bad)];
        });
        ProbeResult r = await Probe(server.Endpoint);
        Assert.Equal(reason, r.Reason.ToCode());
        Assert.Contains(detail, r.Detail);
    }

    [Fact]
    public async Task The_same_server_with_sane_fields_passes()
    {
        // The control: the fake server's ordinary reply, so the failures above are the fields' doing.
        using var server = new FakeNtpServer(req => [FakeNtpServer.Bytes(FakeNtpServer.Reply(req))]);
        ProbeResult r = await Probe(server.Endpoint);
        Assert.True(r.Pass, r.Detail);
    }

    [Fact]
    public void Root_distance_at_the_threshold_passes_and_just_over_fails()
    {
        var p = new NtpPacket(0, 4, 4, 2, 6, -20, 0, 0, 0, 1, 0, 1, 1);
        Assert.Null((p with { RootDispersion = (uint)(1.5 * 65536) }).Unsynchronized());
        Assert.NotNull((p with { RootDispersion = (uint)(1.5 * 65536) + 2 }).Unsynchronized());
        Assert.Null(NtpPacket.ImplausibleDelay(TimeSpan.FromMilliseconds(-1)));
        Assert.NotNull(NtpPacket.ImplausibleDelay(TimeSpan.FromMilliseconds(-799)));
    }
}

using EdgeMonitor.Model;

namespace EdgeMonitor.Tests.Model;

/// <summary>Every reason's wire string, pinned: dashboards key on them, so a rename must break a test.</summary>
public sealed class ReasonCodeTests
{
    private static readonly (Reason Reason, string Wire)[] Pinned =
    [
        (Reason.Ok, "ok"),
        (Reason.DnsNxdomain, "dns_nxdomain"),
        (Reason.DnsServfail, "dns_servfail"),
        (Reason.DnsTimeout, "dns_timeout"),
        (Reason.DnsNoAddress, "dns_no_address"),
        (Reason.DnsFiltered, "dns_filtered"),
        (Reason.DnsUnreachable, "dns_unreachable"),
        (Reason.TcpRefused, "tcp_refused"),
        (Reason.TcpTimeout, "tcp_timeout"),
        (Reason.TcpUnreachable, "tcp_unreachable"),
        (Reason.TcpReset, "tcp_reset"),
        (Reason.TlsUntrusted, "tls_untrusted"),
        (Reason.TlsIntercepted, "tls_intercepted"),
        (Reason.TlsSniFiltered, "tls_sni_filtered"),
        (Reason.TlsExpired, "tls_expired"),
        (Reason.TlsNameMismatch, "tls_name_mismatch"),
        (Reason.TlsTimeout, "tls_timeout"),
        (Reason.TlsProtocol, "tls_protocol"),
        (Reason.HttpBlocked, "http_blocked"),
        (Reason.HttpRedirected, "http_redirected"),
        (Reason.HttpTimeout, "http_timeout"),
        (Reason.HttpBadResponse, "http_bad_response"),
        (Reason.NtpTimeout, "ntp_timeout"),
        (Reason.NtpKod, "ntp_kod"),
        (Reason.NtpUnsynchronized, "ntp_unsynchronized"),
        (Reason.NtpBadResponse, "ntp_bad_response"),
        (Reason.ClockSkew, "clock_skew"),
        (Reason.IdleCut, "idle_cut"),
        (Reason.SshNoBanner, "ssh_no_banner"),
        (Reason.Reachable, "reachable"),
        (Reason.UplinkDown, "uplink_down"),
        (Reason.Unknown, "unknown"),
    ];

    [Fact]
    public void Every_reason_has_its_pinned_wire_string_both_ways()
    {
        // A new reason must be pinned here too: the lists cover the whole enum.
        Assert.Equal(Enum.GetValues<Reason>().Order(), Pinned.Select(p => p.Reason).Order());
        foreach (var (reason, wire) in Pinned)
        {
            Assert.Equal(wire, reason.ToCode());
            Assert.True(ReasonCodes.TryParse(wire, out Reason back), wire);
            Assert.Equal(reason, back);
        }
        Assert.Equal(Pinned.Select(p => p.Wire), ReasonCodes.All);
    }
}

namespace EdgeMonitor.Probes;

/// <summary>
/// Why a probe passed or failed. The wire names (snake_case) are a contract: NOC dashboards
/// key on them, so they are fixed here once and never renamed.
/// </summary>
public enum Reason
{
    Ok,
    DnsNxdomain,
    DnsServfail,
    DnsTimeout,
    DnsNoAddress,
    /// <summary>The name resolved to an address its service cannot have (0.0.0.0, loopback, private for a public name): a DNS filter's answer.</summary>
    DnsFiltered,
    /// <summary>The DNS server could not be reached at all (no route, port unreachable): not a timeout.</summary>
    DnsUnreachable,
    TcpRefused,
    TcpTimeout,
    TcpUnreachable,
    TcpReset,
    TlsUntrusted,
    TlsIntercepted,
    TlsSniFiltered,
    TlsExpired,
    TlsNameMismatch,
    TlsTimeout,
    TlsProtocol,
    HttpBlocked,
    HttpRedirected,
    HttpTimeout,
    HttpBadResponse,
    NtpTimeout,
    NtpKod,
    NtpUnsynchronized,
    NtpBadResponse,
    ClockSkew,
    IdleCut,
    SshNoBanner,
    Reachable,
    /// <summary>Overall only: every target failed alike, the uplink itself is down.</summary>
    UplinkDown,
}

public static class ReasonCodes
{
    private static readonly string[] Codes =
    [
        "ok", "dns_nxdomain", "dns_servfail", "dns_timeout", "dns_no_address", "dns_filtered", "dns_unreachable",
        "tcp_refused", "tcp_timeout", "tcp_unreachable", "tcp_reset",
        "tls_untrusted", "tls_intercepted", "tls_sni_filtered", "tls_expired", "tls_name_mismatch",
        "tls_timeout", "tls_protocol",
        "http_blocked", "http_redirected", "http_timeout", "http_bad_response",
        "ntp_timeout", "ntp_kod", "ntp_unsynchronized", "ntp_bad_response", "clock_skew",
        "idle_cut", "ssh_no_banner", "reachable", "uplink_down",
    ];

    // Short words for people (the display; at most 20 characters, one LCD line), in the order of the codes.
    private static readonly string[] Labels =
    [
        "ok", "no such name (DNS)", "DNS server failure", "DNS timeout", "no address (DNS)",
        "DNS filtered", "DNS unreachable",
        "refused (TCP)", "blocked (timeout)", "unreachable", "reset (TCP)",
        "TLS untrusted", "TLS intercepted", "SNI filtered", "TLS cert expired", "TLS name mismatch",
        "TLS timeout", "TLS failure",
        "HTTP block page", "HTTP redirected", "HTTP timeout", "bad HTTP answer",
        "NTP timeout", "NTP refused (KoD)", "NTP unsynchronized", "bad NTP answer", "clock off",
        "idle cut", "no SSH banner", "reachable", "uplink down",
    ];

    public static string ToCode(this Reason reason) => Codes[(int)reason];

    /// <summary>A few plain words for site staff ("TLS intercepted", "blocked (timeout)").</summary>
    public static string ToLabel(this Reason reason) => Labels[(int)reason];

    public static IReadOnlyList<string> All => Codes;

    public static bool TryParse(string code, out Reason reason)
    {
        int i = Array.IndexOf(Codes, code);
        reason = i < 0 ? Reason.Ok : (Reason)i;
        return i >= 0;
    }

    /// <summary>Failures that say "nothing got through at all" rather than "something answered wrongly".</summary>
    public static bool IsNetworkLevel(this Reason reason) => reason is
        Reason.DnsTimeout or Reason.DnsServfail or Reason.DnsUnreachable or Reason.TcpTimeout or Reason.TcpUnreachable
        or Reason.TcpRefused or Reason.TlsTimeout or Reason.HttpTimeout or Reason.NtpTimeout;
}

namespace EdgeMonitor.Model;

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
    /// <summary>Status only (a group, a profile, the whole): no verdict yet, nothing checked or the first check still running.</summary>
    Unknown,
}

/// <summary>A reason's wire code, its few words for people, and whether it means "nothing got through at all".</summary>
public readonly record struct ReasonInfo(string Code, string Label, bool NetworkLevel = false);

public static class ReasonCodes
{
    /// <summary>
    /// The one definition of every reason's code and label. A switch with no default arm: the
    /// compiler refuses a new reason without its row (CS8509, an error with warnings as errors).
    /// Labels are at most 20 characters, one LCD line.
    /// </summary>
#pragma warning disable CS8524 // only unnamed values (casts of stray ints) are left out; none is ever made
    public static ReasonInfo Info(this Reason reason) => reason switch
    {
        Reason.Ok => new("ok", "ok"),
        Reason.DnsNxdomain => new("dns_nxdomain", "no such name (DNS)"),
        Reason.DnsServfail => new("dns_servfail", "DNS server failure", NetworkLevel: true),
        Reason.DnsTimeout => new("dns_timeout", "DNS timeout", NetworkLevel: true),
        Reason.DnsNoAddress => new("dns_no_address", "no address (DNS)"),
        Reason.DnsFiltered => new("dns_filtered", "DNS filtered"),
        Reason.DnsUnreachable => new("dns_unreachable", "DNS unreachable", NetworkLevel: true),
        Reason.TcpRefused => new("tcp_refused", "refused (TCP)", NetworkLevel: true),
        Reason.TcpTimeout => new("tcp_timeout", "blocked (timeout)", NetworkLevel: true),
        Reason.TcpUnreachable => new("tcp_unreachable", "unreachable", NetworkLevel: true),
        Reason.TcpReset => new("tcp_reset", "reset (TCP)"),
        Reason.TlsUntrusted => new("tls_untrusted", "TLS untrusted"),
        Reason.TlsIntercepted => new("tls_intercepted", "TLS intercepted"),
        Reason.TlsSniFiltered => new("tls_sni_filtered", "SNI filtered"),
        Reason.TlsExpired => new("tls_expired", "TLS cert expired"),
        Reason.TlsNameMismatch => new("tls_name_mismatch", "TLS name mismatch"),
        Reason.TlsTimeout => new("tls_timeout", "TLS timeout", NetworkLevel: true),
        Reason.TlsProtocol => new("tls_protocol", "TLS failure"),
        Reason.HttpBlocked => new("http_blocked", "HTTP block page"),
        Reason.HttpRedirected => new("http_redirected", "HTTP redirected"),
        Reason.HttpTimeout => new("http_timeout", "HTTP timeout", NetworkLevel: true),
        Reason.HttpBadResponse => new("http_bad_response", "bad HTTP answer"),
        Reason.NtpTimeout => new("ntp_timeout", "NTP timeout", NetworkLevel: true),
        Reason.NtpKod => new("ntp_kod", "NTP refused (KoD)"),
        Reason.NtpUnsynchronized => new("ntp_unsynchronized", "NTP unsynchronized"),
        Reason.NtpBadResponse => new("ntp_bad_response", "bad NTP answer"),
        Reason.ClockSkew => new("clock_skew", "clock off"),
        Reason.IdleCut => new("idle_cut", "idle cut"),
        Reason.SshNoBanner => new("ssh_no_banner", "no SSH banner"),
        Reason.Reachable => new("reachable", "reachable"),
        Reason.UplinkDown => new("uplink_down", "uplink down"),
        Reason.Unknown => new("unknown", "unknown"),
    };
#pragma warning restore CS8524

    public static string ToCode(this Reason reason) => reason.Info().Code;

    /// <summary>A few plain words for site staff ("TLS intercepted", "blocked (timeout)").</summary>
    public static string ToLabel(this Reason reason) => reason.Info().Label;

    /// <summary>Every wire code, in the order of the enum.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Enum.GetValues<Reason>().Select(r => r.ToCode())];

    private static readonly Dictionary<string, Reason> ByCode = Enum.GetValues<Reason>().ToDictionary(r => r.ToCode(), StringComparer.Ordinal);

    public static bool TryParse(string code, out Reason reason) => ByCode.TryGetValue(code, out reason);

    /// <summary>Failures that say "nothing got through at all" rather than "something answered wrongly".</summary>
    public static bool IsNetworkLevel(this Reason reason) => reason.Info().NetworkLevel;
}

namespace EdgeMonitor.Model;

/// <summary>How a target's failure weighs in its group.</summary>
public enum Requirement { Required, Optional, Blocked }

/// <summary>A primary serves; a fallback serves only when the primary is unreachable, but must be allowed too.</summary>
public enum Role { Primary, Fallback }

public enum Transport { Tcp, Udp }

/// <summary>Which IP family a probe result speaks for.</summary>
public enum Family { Any, IPv4, IPv6 }

public static class ModelNames
{
    public static string ToName(this Requirement r) => r switch
    {
        Requirement.Required => "required",
        Requirement.Optional => "optional",
        _ => "blocked",
    };

    public static string ToName(this Role r) => r == Role.Primary ? "primary" : "fallback";

    public static string ToName(this Transport t) => t == Transport.Tcp ? "tcp" : "udp";

    public static string ToName(this Family f) => f switch
    {
        Family.IPv4 => "ipv4",
        Family.IPv6 => "ipv6",
        _ => "any",
    };

    public static bool TryParseRequirement(string? s, out Requirement r)
    {
        (bool ok, r) = s switch
        {
            "required" => (true, Requirement.Required),
            "optional" => (true, Requirement.Optional),
            "blocked" => (true, Requirement.Blocked),
            _ => (false, Requirement.Required),
        };
        return ok;
    }

    public static bool TryParseRole(string? s, out Role r)
    {
        (bool ok, r) = s switch
        {
            "primary" => (true, Role.Primary),
            "fallback" => (true, Role.Fallback),
            _ => (false, Role.Primary),
        };
        return ok;
    }
}

/// <summary>
/// One endpoint a device needs (or must not reach): what to probe, how it weighs, and where
/// in the vendor guide it comes from.
/// </summary>
/// <param name="Id">Unique within its profile.</param>
/// <param name="Kind">A probe kind name (the table in Probes/ProbeKinds.cs).</param>
/// <param name="Host">DNS name or IP literal.</param>
/// <param name="Group">Group id within the profile: a primary and its fallbacks.</param>
/// <param name="Note">The guide's words (or ours) about this endpoint.</param>
public sealed record Target(
    string Profile,
    string Id,
    string Kind,
    string Host,
    int Port,
    Requirement Requirement,
    Role Role,
    string Group,
    string Note)
{
    /// <summary>TLS ALPN protocol to offer (h2 for gRPC endpoints).</summary>
    public string? Alpn { get; init; }

    /// <summary>HTTP request path.</summary>
    public string Path { get; init; } = "/";

    /// <summary>Idle check: seconds to stay silent on the open connection.</summary>
    public int IdleSeconds { get; init; } = 600;

    /// <summary>This target stands only while no DHCP-advertised NTP server is configured.</summary>
    public bool UnlessDhcpNtp { get; init; }

    /// <summary>
    /// A vendor's public service (every built-in target): its name must resolve to a public
    /// address and its certificate chain to the public roots, whatever the site adds.
    /// </summary>
    public bool Public { get; init; }

    public string Key => $"{Profile}/{Id}";
}

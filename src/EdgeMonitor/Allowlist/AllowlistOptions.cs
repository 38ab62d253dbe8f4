using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace EdgeMonitor.Allowlist;

/// <summary>Where an admin pastes the rules.</summary>
public enum AllowlistFormat
{
    /// <summary>OpenWrt fw4: a snippet for /etc/nftables.d/ (inside table inet fw4) plus /etc/config/dhcp ipset entries.</summary>
    Fw4,

    /// <summary>A standalone table for /etc/nftables.conf (Debian) that touches nothing else.</summary>
    Nftables,

    /// <summary>iptables-restore --noflush input: chains of its own; names through ipsets.</summary>
    Iptables,

    Ip6tables,

    /// <summary>`ipset restore -exist` input: the sets the iptables output matches, filled by dnsmasq.</summary>
    Ipset,

    /// <summary>What a person types into a GUI firewall (Cisco, Fortinet, UniFi).</summary>
    Text,
}

/// <summary>
/// The device segment the rules filter: packets that arrive on one of the interfaces (any,
/// when none is named) from one of the prefixes (any, when none is named). Nothing else is touched.
/// </summary>
public sealed record Segment(IReadOnlyList<string> Interfaces, IReadOnlyList<IPNetwork> Prefixes)
{
    public IEnumerable<IPNetwork> V4 => Prefixes.Where(p => p.BaseAddress.AddressFamily == AddressFamily.InterNetwork);

    public IEnumerable<IPNetwork> V6 => Prefixes.Where(p => p.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6);

    public bool IsEmpty => Interfaces.Count == 0 && Prefixes.Count == 0;

    public string Describe() => IsEmpty
        ? "(no segment: --from missing)"
        : string.Join(", ", Interfaces.Select(i => $"interface {i}").Concat(Prefixes.Select(p => $"source {p}")));

    /// <summary>An interface name (Linux: at most 15 characters) or an IP prefix; a bare address is a /32 or /128.</summary>
    public static bool TryParse(IEnumerable<string> values, [NotNullWhen(true)] out Segment? segment, [NotNullWhen(false)] out string? error)
    {
        var ifs = new List<string>();
        var prefixes = new List<IPNetwork>();
        segment = null;
        foreach (string v in values)
        {
            if (IPNetwork.TryParse(v, out IPNetwork net))
            {
                // 10.0.20.5/24 is a typo for a host or a network: say so rather than guess.
                if (!IPAddress.Parse(v[..v.IndexOf('/')]).Equals(net.BaseAddress))
                {
                    error = $"--from '{v}' has host bits set: the prefix is {net}";
                    return false;
                }
                prefixes.Add(net);
            }
            else if (IPAddress.TryParse(v, out IPAddress? a))
                prefixes.Add(new IPNetwork(a, a.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            else if (v.Length is > 0 and <= 15 && v.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '@'))
                ifs.Add(v);
            else
            {
                error = $"--from '{v}' is neither an interface name nor an IP prefix (a host-bits-free prefix such as 10.0.20.0/24)";
                return false;
            }
        }
        segment = new Segment(ifs, prefixes);
        error = null;
        return true;
    }
}

public sealed class AllowlistOptions
{
    public AllowlistFormat Format { get; init; } = AllowlistFormat.Fw4;

    public Segment Segment { get; init; } = new([], []);

    /// <summary>Allow names and IPv6 literals over IPv6 too (the DT guide: the connectors use IPv6).</summary>
    public bool Ipv6 { get; init; } = true;

    /// <summary>Seconds a resolver-filled set entry lives without a fresh answer: addresses that moved drop out.</summary>
    public int SetTimeoutSeconds { get; init; } = 3600;

    /// <summary>The profiles the rules were made from, for the header.</summary>
    public IReadOnlyList<string> Profiles { get; init; } = [];

    /// <summary>What is in and what was left out (DNS, NTP, NOC, IPv6), for the header.</summary>
    public IReadOnlyList<string> Included { get; init; } = [];

    public string Version { get; init; } = "";

    /// <summary>Which configuration the rules come from, for the header.</summary>
    public string Config { get; init; } = "embedded default";
}

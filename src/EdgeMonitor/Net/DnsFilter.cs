using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Model;

namespace EdgeMonitor.Net;

/// <summary>
/// A DNS filter blocks a name by answering an address the service cannot have: a sinkhole
/// (0.0.0.0, ::), loopback, link-local, or a private/CGNAT address for a vendor's public name.
/// Connecting there would blame the firewall (`0.0.0.0:443 refused`) for what the DNS did, so
/// such an answer fails as dns_filtered before any connection is tried.
/// <para>
/// Which addresses count: for a public (built-in) target, every address that is not globally
/// routable; for a custom target, which may well live on the LAN or this box, only the
/// unspecified address. probe.lab (a lab answering vendor names with lab addresses) relaxes a
/// public target to the custom rule. A name mapped by addressMap is never resolved, so never judged.
/// </para>
/// </summary>
public static class DnsFilter
{
    /// <summary>The answer unchanged, or a dns_filtered one naming the impossible addresses.</summary>
    public static DnsAnswer Judge(DnsAnswer answer, Target target, bool lab)
    {
        if (!answer.Ok)
            return answer;
        bool strict = target.Public && !lab;
        var bad = answer.Addresses.Where(a => strict ? !IsGlobal(a) : IsUnspecified(a)).Distinct().ToList();
        if (bad.Count == 0)
            return answer;
        string what = string.Join(", ", bad.Select(a => $"{a} ({Kind(a)})"));
        string why = strict ? $"{target.Host} is a public service" : "no service listens on the unspecified address";
        return answer with
        {
            Reason = Reason.DnsFiltered,
            Detail = $"{target.Host} resolved to {what}: {why}, so a DNS filter answered (check the site's DNS filtering / blocklist)",
        };
    }

    private static bool IsUnspecified(IPAddress a) => Unmap(a).Equals(IPAddress.Any) || a.Equals(IPAddress.IPv6Any);

    private static IPAddress Unmap(IPAddress a) => a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a;

    /// <summary>Roughly "globally routable": not unspecified, loopback, link-local, private, CGNAT, ULA, multicast or reserved.</summary>
    public static bool IsGlobal(IPAddress address) => Kind(address) == "global";

    private static string Kind(IPAddress address)
    {
        IPAddress a = Unmap(address);
        if (a.AddressFamily == AddressFamily.InterNetwork)
        {
            byte[] b = a.GetAddressBytes();
            return b switch
            {
                [0, ..] => "unspecified",
                [127, ..] => "loopback",
                [169, 254, ..] => "link-local",
                [10, ..] or [172, >= 16 and <= 31, ..] or [192, 168, ..] => "private",
                [100, >= 64 and <= 127, ..] => "CGNAT",
                [>= 224, ..] => "multicast or reserved",
                _ => "global",
            };
        }
        if (a.Equals(IPAddress.IPv6Any))
            return "unspecified";
        if (IPAddress.IsLoopback(a))
            return "loopback";
        if (a.IsIPv6LinkLocal)
            return "link-local";
        if (a.IsIPv6UniqueLocal || a.IsIPv6SiteLocal)
            return "private";
        if (a.IsIPv6Multicast)
            return "multicast";
        return "global";
    }
}

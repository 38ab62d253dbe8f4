using System.Text;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Allowlist;

/// <summary>
/// What a person types into a GUI firewall (Cisco, Fortinet, UniFi): one line per rule with
/// action, protocol, port and destination (names as FQDN objects), and the wildcard entries
/// the guide allows where the firewall supports them.
/// </summary>
public static class TextFormat
{
    /// <summary>
    /// Profiles whose guide section allows wildcards: DT "Other Cloud Connectors" ("Depending on
    /// your firewall options, you can allowlist based on wildcards or fully qualified domain names").
    /// </summary>
    private static readonly string[] WildcardProfiles = ["dt-ccon"];

    public static string Render(IReadOnlyList<AllowlistRule> rules, AllowlistOptions o)
    {
        var sb = new StringBuilder();
        sb.Append(AllowlistHeader.Render(rules, o));
        sb.AppendLine("# Destinations that are names go in as FQDN objects: the firewall resolves them and follows");
        sb.AppendLine("# changes (the guides: the servers are behind load balancers). Then deny the rest from the segment.");
        if (!o.Ipv6)
            sb.AppendLine("# IPv6 left out (--no-ipv6): allow names over IPv4 only.");
        sb.AppendLine("# action  proto  port   destination                                targets / guide");
        foreach (AllowlistRule r in rules)
            sb.AppendLine(Line(r.Reject ? "reject" : "allow", r.Transport, r.Port, r.IsAny ? "any" : r.Host, NftablesFormat.Comment(r)));

        var wildcards = rules
            .Where(r => !r.Reject && r.IsName && r.Keys.Any(k => WildcardProfiles.Contains(k.Split('/')[0])) && r.Host.Count(c => c == '.') >= 2)
            .GroupBy(r => (Parent: r.Host[(r.Host.IndexOf('.') + 1)..], r.Port, r.Transport))
            .ToList();
        if (wildcards.Count > 0)
        {
            sb.AppendLine("# Wildcards: where the firewall supports them, the DT guide (Other Cloud Connectors) allows these");
            sb.AppendLine("# in place of the names they cover:");
            foreach (var w in wildcards)
                sb.AppendLine(Line("allow", w.Key.Transport, w.Key.Port, "*." + w.Key.Parent, "covers " + string.Join(", ", w.Select(r => r.Host))));
        }
        sb.AppendLine(Line("deny", null, null, "any", "everything else from the device segment"));
        return sb.ToString();
    }

    private static string Line(string action, Transport? t, int? port, string dest, string why) =>
        $"{action,-9} {t?.ToName() ?? "any",-6} {port?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "any",-6} {dest,-42} {why}";
}

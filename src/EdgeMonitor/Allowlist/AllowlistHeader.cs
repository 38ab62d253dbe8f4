using System.Text;

namespace EdgeMonitor.Allowlist;

/// <summary>
/// The comment block every format starts with: what the rules are for, which segment they
/// filter, what is in, and the guides' requirements a rule cannot express.
/// </summary>
public static class AllowlistHeader
{
    public static string Render(IReadOnlyList<AllowlistRule> rules, AllowlistOptions o, string c = "#")
    {
        var sb = new StringBuilder();
        string format = o.Format.ToString().ToLowerInvariant();
        sb.AppendLine($"{c} EdgeMonitor allowlist {o.Version} (edgemonitor allowlist --format {format}), config: {o.Config}");
        sb.AppendLine($"{c} profiles: {(o.Profiles.Count == 0 ? "(none)" : string.Join(", ", o.Profiles))}");
        if (o.Format == AllowlistFormat.Text)
            sb.AppendLine($"{c} Source of every rule: the device segment{(o.Segment.IsEmpty ? " (its VLAN or interface)" : $" ({o.Segment.Describe()})")}.");
        else
        {
            sb.AppendLine($"{c} SCOPE: only traffic forwarded from the device segment: {o.Segment.Describe()}.");
            sb.AppendLine($"{c}   Every drop here applies to that segment alone; other segments and the router's own traffic are untouched.");
        }
        foreach (string line in o.Included)
            sb.AppendLine($"{c} {line}");
        sb.AppendLine($"{c} Made from the built-in vendor guide data; each rule's comment names the guide's line.");
        if (rules.Any(r => r.Reject))
            sb.AppendLine($"{c} Rejects come first: targets the config marks blocked.");

        if (rules.Any(r => r.Keys.Any(k => k.StartsWith("cloudtrax", StringComparison.Ordinal))))
        {
            sb.AppendLine($"{c} The guide's requirements no rule can carry:");
            sb.AppendLine($"{c}  - CloudTrax \"Firewall Timeout\": TCP and HTTP idle timeouts of at least 600 s, or the Connection Keeper drops.");
            sb.AppendLine($"{c}    {TimeoutSetting(o.Format)}");
            sb.AppendLine($"{c}  - CloudTrax \"Special Notes\": Cisco RV340/RV340W/RV345/RV345P on firmware 1.0.01.17 or older block every");
            sb.AppendLine($"{c}    CloudTrax server in their content filter whatever these rules say: update to 1.0.01.1702 or newer.");
        }
        return sb.ToString();
    }

    private static string TimeoutSetting(AllowlistFormat f) => f switch
    {
        AllowlistFormat.Fw4 =>
            "OpenWrt: sysctl net.netfilter.nf_conntrack_tcp_timeout_established (7440 s from /etc/sysctl.d/11-nf-conntrack.conf); keep it >= 600.",
        AllowlistFormat.Text =>
            "In the GUI: the TCP session / idle timeout (and any HTTP proxy timeout) for this segment >= 600 s.",
        _ => "Linux: sysctl net.netfilter.nf_conntrack_tcp_timeout_established >= 600 (kernel default 432000); an nft `ct timeout` policy must not set established below 600.",
    };
}

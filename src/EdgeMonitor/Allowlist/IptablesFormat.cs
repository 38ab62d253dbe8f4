using System.Text;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Allowlist;

/// <summary>
/// iptables-restore / ip6tables-restore input for `--noflush`: two chains of its own and one jump
/// from FORWARD; the admin's rules stay as they are. Allowed traffic RETURNs to FORWARD (an
/// ACCEPT in a user chain would skip the admin's later rules); the rest from the segment is
/// dropped. Names match ipsets that dnsmasq fills (the `ipset` format creates them).
/// </summary>
public static class IptablesFormat
{
    private const string Dispatch = "EDGEMONITOR";
    private const string Chain = "EDGEMONITOR_ALLOW";

    public static string Render(IReadOnlyList<AllowlistRule> rules, AllowlistOptions o)
    {
        bool v6 = o.Format == AllowlistFormat.Ip6tables;
        string tool = v6 ? "ip6tables" : "iptables";
        var names = NftablesFormat.NamedHosts(rules);
        var sb = new StringBuilder();
        sb.Append(AllowlistHeader.Render(rules, o));
        sb.AppendLine("#");
        sb.AppendLine($"# Load: {tool}-restore --noflush < this file ({(v6 ? "IPv6; IPv4 literals are left out" : "IPv4; IPv6 literals are left out")}).");
        sb.AppendLine($"# Chains {Dispatch} (picks the device segment) and {Chain} (returns what the segment may reach,");
        sb.AppendLine("# drops the rest) are flushed and refilled on every load; nothing else is flushed. The file inserts");
        sb.AppendLine($"# one `-j {Dispatch}` at the top of FORWARD: loading it again adds another, which changes nothing.");
        if (names.Count > 0)
        {
            sb.AppendLine("# Names are never resolved at load: they match ipsets, created first with");
            sb.AppendLine("# `edgemonitor allowlist --format ipset ... | ipset restore -exist` and filled by dnsmasq (the");
            sb.AppendLine("# ipset= lines there) as devices resolve the names through it; entries expire after " + o.SetTimeoutSeconds + " s.");
        }
        sb.AppendLine("*filter");
        sb.AppendLine($":{Dispatch} - [0:0]");
        sb.AppendLine($":{Chain} - [0:0]");
        foreach (string match in SegmentMatches(o.Segment, v6))
            sb.AppendLine($"-A {Dispatch} {match}-j {Chain}");
        sb.AppendLine($"-A {Chain} -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN");
        sb.AppendLine($"-A {Chain} -p {(v6 ? "ipv6-icmp" : "icmp")} -j RETURN");
        foreach (AllowlistRule r in rules)
        {
            sb.AppendLine($"# {NftablesFormat.Comment(r)}");
            sb.AppendLine(RuleLine(r, o, v6));
        }
        sb.AppendLine($"-A {Chain} -m comment --comment \"edgemonitor: the rest from the device segment\" -j DROP");
        sb.AppendLine($"-I FORWARD 1 -j {Dispatch}");
        sb.AppendLine("COMMIT");
        return sb.ToString();
    }

    /// <summary>`ipset restore -exist` input: one hash:ip set per name and family, with the timeout.</summary>
    public static string RenderIpsets(IReadOnlyList<AllowlistRule> rules, AllowlistOptions o)
    {
        var names = NftablesFormat.NamedHosts(rules);
        var sb = new StringBuilder();
        sb.Append(AllowlistHeader.Render(rules, o));
        sb.AppendLine("#");
        sb.AppendLine("# Load: ipset restore -exist < this file (before the iptables output). The sets start empty:");
        sb.AppendLine("# dnsmasq fills them as devices resolve the names through it; entries expire after " + o.SetTimeoutSeconds + " s.");
        sb.AppendLine("# dnsmasq.conf:");
        foreach (string name in names)
            sb.AppendLine($"# ipset=/{name}/{string.Join(",", NftablesFormat.Families(o).Select(v6 => AllowlistRules.SetName(name, v6)))}");
        foreach (string name in names)
        {
            foreach (bool v6 in NftablesFormat.Families(o))
                sb.AppendLine($"create {AllowlistRules.SetName(name, v6)} hash:ip family {(v6 ? "inet6" : "inet")} timeout {o.SetTimeoutSeconds}");
        }
        return sb.ToString();
    }

    /// <summary>As in nftables: a family without prefixes is matched by interface alone.</summary>
    private static IEnumerable<string> SegmentMatches(Segment s, bool v6)
    {
        var prefixes = (v6 ? s.V6 : s.V4).Select(p => $"-s {p} ").ToList();
        if (s.Interfaces.Count == 0 && prefixes.Count == 0)
            yield break; // only prefixes of the other family: nothing of the segment to filter here
        IEnumerable<string> ifs = s.Interfaces.Count == 0 ? [""] : s.Interfaces.Select(i => $"-i {i} ");
        foreach (string i in ifs)
        {
            foreach (string p in prefixes.Count == 0 ? [""] : prefixes)
                yield return i + p;
        }
    }

    private static string RuleLine(AllowlistRule r, AllowlistOptions o, bool v6)
    {
        if (!AllowlistRules.IsSafeHost(r.Host))
            return $"# skipped: '{r.Host.ReplaceLineEndings(" ")}' is not an address or a DNS name";
        if (v6 && !o.Ipv6 && !r.IsAny)
            return "# left out: IPv6 (--no-ipv6)";
        string dest;
        if (r.IsAny)
            dest = "";
        else if (r.Literal is not null)
        {
            if (r.IsIpv6Literal != v6)
                return "# (other IP family)";
            dest = $"-d {r.Literal} ";
        }
        else
            dest = $"-m set --match-set {AllowlistRules.SetName(r.Host, v6)} dst ";
        string verdict = r.Reject
            ? v6 ? "-j REJECT --reject-with icmp6-adm-prohibited" : "-j REJECT --reject-with icmp-admin-prohibited"
            : "-j RETURN";
        string proto = r.Transport.ToName();
        return $"-A {Chain} {dest}-p {proto} -m {proto} --dport {r.Port} -m comment --comment \"{NftablesFormat.ShortComment(r)}\" {verdict}";
    }
}

using System.Text;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Allowlist;

/// <summary>
/// nftables, two ways: the fw4 snippet (sets and chains only; OpenWrt includes /etc/nftables.d/*.nft
/// inside its `table inet fw4`) and a standalone `table inet edgemonitor`. Both hook their own
/// base chain into forward just before the firewall's own (priority filter - 1): it drops what
/// the device segment may not reach and accepts the rest, which still passes the firewall's own
/// forward chain (in nftables a drop is final, an accept only ends this chain).
/// </summary>
public static class NftablesFormat
{
    public const string Fw4Table = "fw4";
    public const string StandaloneTable = "edgemonitor";
    private const string Dispatch = "edgemonitor_forward";
    private const string Chain = "edgemonitor_allowlist";

    public static string Render(IReadOnlyList<AllowlistRule> rules, AllowlistOptions o)
    {
        bool fw4 = o.Format == AllowlistFormat.Fw4;
        string table = fw4 ? Fw4Table : StandaloneTable;
        var names = NamedHosts(rules);
        var sb = new StringBuilder();
        if (!fw4)
            sb.AppendLine("#!/usr/sbin/nft -f");
        sb.Append(AllowlistHeader.Render(rules, o));
        sb.AppendLine("#");
        if (fw4)
        {
            sb.AppendLine("# OpenWrt fw4: save as /etc/nftables.d/50-edgemonitor.nft (fw4 includes it inside table inet fw4),");
            sb.AppendLine("# add the /etc/config/dhcp entries at the end, then `fw4 check`, `service firewall restart`,");
            sb.AppendLine("# `service dnsmasq restart`. An accepted packet still passes fw4's zone rules: the segment's");
            sb.AppendLine("# zone must forward to wan.");
        }
        else
        {
            sb.AppendLine("# A table of its own: include it from /etc/nftables.conf or `nft -f` it; loading it again replaces");
            sb.AppendLine("# only this table. An accepted packet still passes your own forward chain.");
        }
        NamesNote(sb, o, names.Count > 0);
        sb.AppendLine();

        string ind = fw4 ? "" : "\t";
        if (!fw4)
        {
            sb.AppendLine($"table inet {table}");
            sb.AppendLine($"delete table inet {table}");
            sb.AppendLine($"table inet {table} {{");
        }
        foreach (string name in names)
        {
            foreach (bool v6 in Families(o))
            {
                sb.AppendLine($"{ind}set {AllowlistRules.SetName(name, v6)} {{");
                sb.AppendLine($"{ind}\ttype {(v6 ? "ipv6_addr" : "ipv4_addr")}");
                sb.AppendLine($"{ind}\tflags timeout");
                sb.AppendLine($"{ind}\ttimeout {o.SetTimeoutSeconds}s");
                sb.AppendLine($"{ind}\tcomment \"{name}\"");
                sb.AppendLine($"{ind}}}");
            }
        }

        sb.AppendLine($"{ind}chain {Dispatch} {{");
        sb.AppendLine($"{ind}\ttype filter hook forward priority filter - 1; policy accept;");
        foreach (string match in SegmentMatches(o.Segment))
            sb.AppendLine($"{ind}\t{match} jump {Chain}");
        sb.AppendLine($"{ind}}}");
        sb.AppendLine();
        sb.AppendLine($"{ind}chain {Chain} {{");
        sb.AppendLine($"{ind}\tct state established,related accept");
        sb.AppendLine($"{ind}\tmeta l4proto {{ icmp, ipv6-icmp }} accept");
        foreach (AllowlistRule r in rules)
        {
            sb.AppendLine($"{ind}\t# {Comment(r)}");
            foreach (string line in RuleLines(r, o))
                sb.AppendLine($"{ind}\t{line}");
        }
        sb.AppendLine($"{ind}\tcounter drop comment \"edgemonitor: the rest from the device segment\"");
        sb.AppendLine($"{ind}}}");
        if (!fw4)
            sb.AppendLine("}");

        if (names.Count > 0)
            DnsmasqEntries(sb, names, o, table, fw4);
        return sb.ToString();
    }

    /// <summary>The names a resolver must fill sets for, in rule order.</summary>
    public static List<string> NamedHosts(IReadOnlyList<AllowlistRule> rules) =>
        rules.Where(r => r.IsName && AllowlistRules.IsSafeHost(r.Host)).Select(r => r.Host).Distinct().ToList();

    public static bool[] Families(AllowlistOptions o) => o.Ipv6 ? [false, true] : [false];

    public static string Comment(AllowlistRule r) => $"[{string.Join(", ", r.Keys)}] {string.Join("; ", r.Notes)}".ReplaceLineEndings(" ");

    /// <summary>Rule comments hold at most 128 bytes (nft) / 256 (iptables): the target keys, shortened.</summary>
    public static string ShortComment(AllowlistRule r)
    {
        string s = new(string.Join(" ", r.Keys).Where(c => c is >= ' ' and <= '~' and not '"' and not '\\').ToArray());
        return s.Length <= 120 ? s : s[..117] + "...";
    }

    private static void NamesNote(StringBuilder sb, AllowlistOptions o, bool any)
    {
        if (!any)
            return;
        sb.AppendLine("# Names are never resolved when this loads: each name has a set per family, empty here, that");
        sb.AppendLine("# dnsmasq fills as devices resolve the name through it (every address of the name, IPv4 and IPv6,");
        sb.AppendLine("# none when a name has no AAAA). Entries expire " + o.SetTimeoutSeconds + " s after the last answer that named");
        sb.AppendLine("# them, so load-balancer addresses that moved drop out. The devices must resolve through this dnsmasq");
        sb.AppendLine("# (OpenWrt's DHCP hands it out); until a device resolves a name, traffic to it is dropped. Keep");
        sb.AppendLine("# dnsmasq's cache short (max-cache-ttl=300) so answers, and with them the sets, are refreshed well");
        sb.AppendLine("# within the timeout.");
    }

    /// <summary>
    /// The segment per family: its prefixes of that family, on its interfaces. A family without
    /// prefixes is matched by interface alone, so IPv6 from the segment is never left unfiltered.
    /// </summary>
    private static IEnumerable<string> SegmentMatches(Segment s)
    {
        string ifs = s.Interfaces.Count == 0 ? "" : $"iifname {{ {string.Join(", ", s.Interfaces.Select(i => $"\"{i}\""))} }}";
        if (s.Prefixes.Count == 0)
        {
            if (ifs.Length > 0)
                yield return ifs;
            yield break;
        }
        foreach (bool v6 in (bool[])[false, true])
        {
            var prefixes = (v6 ? s.V6 : s.V4).ToList();
            if (prefixes.Count > 0)
                yield return $"{ifs} {(v6 ? "ip6" : "ip")} saddr {{ {string.Join(", ", prefixes)} }}".TrimStart();
            else if (ifs.Length > 0)
                yield return $"{ifs} meta nfproto {(v6 ? "ipv6" : "ipv4")}";
        }
    }

    private static IEnumerable<string> RuleLines(AllowlistRule r, AllowlistOptions o)
    {
        if (!AllowlistRules.IsSafeHost(r.Host))
        {
            yield return $"# skipped: '{r.Host.ReplaceLineEndings(" ")}' is not an address or a DNS name";
            yield break;
        }
        string verdict = r.Reject ? "reject with icmpx admin-prohibited" : "accept";
        string tail = $"{r.Transport.ToName()} dport {r.Port} {verdict} comment \"{ShortComment(r)}\"";
        if (r.IsAny)
            yield return tail;
        else if (r.Literal is { } a)
        {
            if (r.IsIpv6Literal && !o.Ipv6)
                yield return "# left out: IPv6 (--no-ipv6)";
            else
                yield return $"{(r.IsIpv6Literal ? "ip6" : "ip")} daddr {a} {tail}";
        }
        else
        {
            foreach (bool v6 in Families(o))
                yield return $"{(v6 ? "ip6" : "ip")} daddr @{AllowlistRules.SetName(r.Host, v6)} {tail}";
        }
    }

    private static void DnsmasqEntries(StringBuilder sb, List<string> names, AllowlistOptions o, string table, bool fw4)
    {
        sb.AppendLine();
        if (fw4)
        {
            sb.AppendLine("# /etc/config/dhcp: dnsmasq fills the sets (OpenWrt 22.03+ with fw4 and dnsmasq-full):");
            foreach (string name in names)
            {
                sb.AppendLine("# config ipset");
                foreach (bool v6 in Families(o))
                    sb.AppendLine($"# \tlist name '{AllowlistRules.SetName(name, v6)}'");
                sb.AppendLine($"# \tlist domain '{name}'");
            }
            sb.AppendLine("# The same for a dnsmasq.conf (dnsmasq >= 2.87):");
        }
        else
        {
            sb.AppendLine("# dnsmasq.conf (dnsmasq >= 2.87) fills the sets:");
        }
        foreach (string name in names)
        {
            var sets = Families(o).Select(v6 => $"{(v6 ? 6 : 4)}#inet#{table}#{AllowlistRules.SetName(name, v6)}");
            sb.AppendLine($"# nftset=/{name}/{string.Join(",", sets)}");
        }
    }
}

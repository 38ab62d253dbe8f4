using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeMonitor.Probes;

namespace EdgeMonitor.Profiles;

public enum AllowlistFormat { Nftables, Iptables, Ip6tables, Text }

/// <summary>
/// How names get addresses in nftables output. nftables has no domain matching: a name in a
/// rule is resolved ONCE, by the nft command, when the file loads.
/// </summary>
public enum NameMode
{
    /// <summary>One empty named set per name, filled (and kept current) by dnsmasq's nftset= option.</summary>
    Sets,

    /// <summary>Names as set elements: nft resolves them once at load (nft 1.0.x refuses a name with several addresses).</summary>
    Load,
}

/// <summary>One firewall rule: allow (or, for a blocked target, reject) one host, port and transport.</summary>
/// <param name="Keys">profile/targetId of every target this rule serves (a host can appear in several profiles).</param>
/// <param name="Notes">The guides' lines these targets come from.</param>
public sealed record AllowlistRule(string Host, int Port, Transport Transport, bool Reject, IReadOnlyList<string> Keys, IReadOnlyList<string> Notes)
{
    public IPAddress? Literal => IPAddress.TryParse(Host, out var a) ? a : null;
}

public sealed class AllowlistOptions
{
    public AllowlistFormat Format { get; init; } = AllowlistFormat.Nftables;
    public NameMode Names { get; init; } = NameMode.Sets;

    /// <summary>Also allow names over IPv6 (nftables/ip6tables). With <see cref="NameMode.Load"/> every name then needs an AAAA record.</summary>
    public bool Ipv6 { get; init; }

    /// <summary>The site's DNS resolvers: the guides do not list DNS, but every name needs it.</summary>
    public IReadOnlyList<IPAddress> DnsServers { get; init; } = [];

    /// <summary>The profiles the rules were made from, for the header.</summary>
    public IReadOnlyList<string> Profiles { get; init; } = [];

    public string Version { get; init; } = "";

    /// <summary>Which configuration the rules come from, for the header.</summary>
    public string Config { get; init; } = "embedded default";
}

/// <summary>
/// The firewall rules a site needs for a set of targets, straight from the built-in data:
/// pure text generation, no resolution, no I/O.
/// </summary>
public static class Allowlist
{
    /// <summary>
    /// One rule per distinct (host, port, transport, allow/reject), in target order, rejects first.
    /// A blocked target keeps the transport of the built-in target it overrides. A target the
    /// config's addressMap sends elsewhere gets a rule for where it really goes (a lab, a proxy).
    /// </summary>
    public static IReadOnlyList<AllowlistRule> Rules(IEnumerable<Target> targets, AddressMap? map = null)
    {
        var order = new List<(string Host, int Port, Transport T, bool Reject)>();
        var byKey = new Dictionary<(string, int, Transport, bool), (List<string> Keys, List<string> Notes)>();
        foreach (Target t in targets)
        {
            bool reject = t.Requirement == Requirement.Blocked;
            Transport transport = reject ? BuiltInTransport(t) ?? Transport.Tcp : ProbeKinds.TransportOf(t.Kind);
            string host = t.Host.Trim().ToLowerInvariant();
            int port = t.Port;
            string note = t.Note;
            if (map is not null && map.TryMap(host, port, out IPEndPoint to))
            {
                note += $" (addressMap: {host}:{port} goes to {to})";
                host = to.Address.ToString();
                port = to.Port;
            }
            else if (IPAddress.TryParse(host, out var a))
            {
                host = a.ToString();
            }
            var key = (host, port, transport, reject);
            if (!byKey.TryGetValue(key, out var entry))
            {
                entry = ([], []);
                byKey[key] = entry;
                order.Add(key);
            }
            entry.Keys.Add(t.Key);
            if (!entry.Notes.Contains(note))
                entry.Notes.Add(note);
        }
        return order.OrderBy(k => k.Reject ? 0 : 1)
            .Select(k => new AllowlistRule(k.Host, k.Port, k.T, k.Reject, byKey[k].Keys, byKey[k].Notes))
            .ToList();
    }

    private static Transport? BuiltInTransport(Target t) =>
        BuiltInProfiles.Find(t.Profile)?.Targets.FirstOrDefault(b => b.Id == t.Id) is { } b ? ProbeKinds.TransportOf(b.Kind) : null;

    /// <summary>A name a firewall file can carry verbatim: LDH labels (and '_', which vendor names use). Anything else is skipped.</summary>
    public static bool IsSafeHost(string host)
    {
        if (IPAddress.TryParse(host, out _))
            return true;
        if (host.Length is 0 or > 253 || host.StartsWith('.') || host.EndsWith('.') || host.Contains(".."))
            return false;
        return host.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.');
    }

    public static string Render(IReadOnlyList<AllowlistRule> rules, AllowlistOptions o) => o.Format switch
    {
        AllowlistFormat.Nftables => Nftables(rules, o),
        AllowlistFormat.Iptables => Iptables(rules, o, v6: false),
        AllowlistFormat.Ip6tables => Iptables(rules, o, v6: true),
        _ => Text(rules, o),
    };

    private static string Header(AllowlistOptions o, string comment)
    {
        var sb = new StringBuilder();
        sb.Append(comment).Append(" EdgeMonitor allowlist ").Append(o.Version).Append(" (edgemonitor allowlist), config: ").AppendLine(o.Config)
          .Append(comment).Append(" profiles: ").AppendLine(o.Profiles.Count == 0 ? "(none)" : string.Join(", ", o.Profiles))
          .Append(comment).AppendLine(" Made from the built-in vendor guide data; each rule's comment names the guide's line.")
          .Append(comment).AppendLine(" Blocked targets (requirement blocked) come first, as explicit rejects.");
        return sb.ToString();
    }

    private static string Comment(AllowlistRule r) => $"[{string.Join(", ", r.Keys)}] {string.Join("; ", r.Notes)}";

    /// <summary>nft rule comments hold at most 128 bytes: the target keys, shortened.</summary>
    private static string NftComment(AllowlistRule r)
    {
        string s = new(string.Join(" ", r.Keys).Where(c => c is >= ' ' and <= '~' and not '"' and not '\\').ToArray());
        return s.Length <= 120 ? s : s[..117] + "...";
    }

    private static string SetName(string host, bool v6) =>
        "h_" + new string(host.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_').ToArray()) + (v6 ? "_v6" : "_v4");

    private static string Nftables(IReadOnlyList<AllowlistRule> rules, AllowlistOptions o)
    {
        var sb = new StringBuilder();
        sb.AppendLine("#!/usr/sbin/nft -f");
        sb.Append(Header(o, "#"));
        sb.AppendLine("#");
        sb.AppendLine("# nftables cannot match domain names. Names get addresses in one of two ways:");
        if (o.Names == NameMode.Sets)
        {
            sb.AppendLine("#  (this file) one named set per name, empty here: dnsmasq fills each set as devices resolve");
            sb.AppendLine("#  the name (the nftset= lines at the end; dnsmasq >= 2.87, OpenWrt fw4). Until a device");
            sb.AppendLine("#  resolves a name through that dnsmasq, its set is empty and its traffic is dropped.");
        }
        else
        {
            sb.AppendLine("#  (this file) the names are set elements: the nft command resolves each ONCE, when this file");
            sb.AppendLine("#  loads, with the resolver of the namespace that loads it. Addresses that change later are");
            sb.AppendLine("#  not followed: reload periodically. nft 1.0.x refuses a name with more than one address");
            sb.AppendLine("#  (CDN names often have several): use --names sets with dnsmasq for those.");
        }
        sb.AppendLine("# Use: `nft -f` this file on a router whose forward path serves only the device segment,");
        sb.AppendLine("# or copy chain `allowlist` into your own table and `jump allowlist` from your forward chain.");
        sb.AppendLine();
        sb.AppendLine("table inet edgemonitor");
        sb.AppendLine("delete table inet edgemonitor");
        sb.AppendLine("table inet edgemonitor {");

        var names = rules.Where(r => r.Literal is null && IsSafeHost(r.Host)).Select(r => r.Host).Distinct().ToList();
        foreach (string name in names)
        {
            foreach (bool v6 in o.Ipv6 ? (bool[])[false, true] : [false])
            {
                sb.Append("\tset ").Append(SetName(name, v6)).AppendLine(" {");
                sb.Append("\t\ttype ").Append(v6 ? "ipv6_addr" : "ipv4_addr").AppendLine();
                sb.Append("\t\tcomment \"").Append(name).AppendLine("\"");
                if (o.Names == NameMode.Load)
                    sb.Append("\t\telements = { \"").Append(name).AppendLine("\" }"); // quoted: "0.pool..." would lex as a number
                sb.AppendLine("\t}");
            }
        }
        if (names.Count > 0)
            sb.AppendLine();

        sb.AppendLine("\tchain allowlist {");
        foreach (IPAddress dns in o.DnsServers)
        {
            string fam = dns.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "ip";
            sb.AppendLine("\t\t# the site's DNS resolver (not in the guides; every name needs it)");
            sb.AppendLine(CultureInfo.InvariantCulture, $"\t\t{fam} daddr {dns} meta l4proto {{ tcp, udp }} th dport 53 accept comment \"dns\"");
        }
        foreach (AllowlistRule r in rules)
        {
            sb.Append("\t\t# ").AppendLine(Comment(r));
            if (!IsSafeHost(r.Host))
            {
                sb.Append("\t\t# skipped: '").Append(r.Host.Replace('\n', ' ')).AppendLine("' is not an address or a DNS name");
                continue;
            }
            string proto = r.Transport.ToName();
            string verdict = r.Reject ? "reject with icmpx admin-prohibited" : "accept";
            string tail = $"{proto} dport {r.Port} {verdict} comment \"{NftComment(r)}\"";
            if (r.Literal is { } a)
            {
                sb.Append("\t\t").Append(a.AddressFamily == AddressFamily.InterNetworkV6 ? "ip6" : "ip")
                  .Append(" daddr ").Append(a).Append(' ').AppendLine(tail);
                continue;
            }
            sb.Append("\t\tip daddr @").Append(SetName(r.Host, false)).Append(' ').AppendLine(tail);
            if (o.Ipv6)
                sb.Append("\t\tip6 daddr @").Append(SetName(r.Host, true)).Append(' ').AppendLine(tail);
        }
        sb.AppendLine("\t}");
        sb.AppendLine();
        sb.AppendLine("\tchain forward {");
        sb.AppendLine("\t\ttype filter hook forward priority filter; policy drop;");
        sb.AppendLine("\t\tct state established,related accept");
        sb.AppendLine("\t\tct state invalid drop");
        sb.AppendLine("\t\tmeta l4proto { icmp, ipv6-icmp } accept");
        sb.AppendLine("\t\tjump allowlist");
        sb.AppendLine("\t}");
        sb.AppendLine("}");

        if (o.Names == NameMode.Sets && names.Count > 0)
        {
            sb.AppendLine();
            sb.AppendLine("# dnsmasq.conf (dnsmasq >= 2.87) keeps the sets current:");
            foreach (string name in names)
            {
                sb.Append("# nftset=/").Append(name).Append("/4#inet#edgemonitor#").Append(SetName(name, false));
                if (o.Ipv6)
                    sb.Append(",6#inet#edgemonitor#").Append(SetName(name, true));
                sb.AppendLine();
            }
        }
        return sb.ToString();
    }

    private static string Iptables(IReadOnlyList<AllowlistRule> rules, AllowlistOptions o, bool v6)
    {
        var sb = new StringBuilder();
        sb.Append(Header(o, "#"));
        sb.AppendLine(v6 ? "# ip6tables-restore input (IPv6; IPv4 literals are left out)." : "# iptables-restore input (IPv4; IPv6 literals are left out).");
        sb.AppendLine("# iptables resolves each name ONCE, when the rules load, and adds one rule per address then;");
        sb.AppendLine("# addresses that change later are not followed: reload periodically.");
        sb.AppendLine("# Restoring replaces the filter table (FORWARD policy DROP); use --noflush to add to yours.");
        sb.AppendLine("*filter");
        sb.AppendLine(":FORWARD DROP [0:0]");
        sb.AppendLine(":EDGEMONITOR - [0:0]");
        sb.AppendLine("-A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT");
        sb.AppendLine(v6 ? "-A FORWARD -p ipv6-icmp -j ACCEPT" : "-A FORWARD -p icmp -j ACCEPT");
        sb.AppendLine("-A FORWARD -j EDGEMONITOR");
        foreach (IPAddress dns in o.DnsServers.Where(d => (d.AddressFamily == AddressFamily.InterNetworkV6) == v6))
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"-A EDGEMONITOR -d {dns} -p udp --dport 53 -m comment --comment \"dns\" -j ACCEPT");
            sb.AppendLine(CultureInfo.InvariantCulture, $"-A EDGEMONITOR -d {dns} -p tcp --dport 53 -m comment --comment \"dns\" -j ACCEPT");
        }
        foreach (AllowlistRule r in rules)
        {
            sb.Append("# ").AppendLine(Comment(r));
            if (!IsSafeHost(r.Host))
            {
                sb.Append("# skipped: '").Append(r.Host.Replace('\n', ' ')).AppendLine("' is not an address or a DNS name");
                continue;
            }
            if (r.Literal is { } a && (a.AddressFamily == AddressFamily.InterNetworkV6) != v6)
            {
                sb.AppendLine("# (other IP family)");
                continue;
            }
            string verdict = r.Reject
                ? v6 ? "-j REJECT --reject-with icmp6-adm-prohibited" : "-j REJECT --reject-with icmp-admin-prohibited"
                : "-j ACCEPT";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"-A EDGEMONITOR -d {r.Host} -p {r.Transport.ToName()} --dport {r.Port} -m comment --comment \"{NftComment(r)}\" {verdict}");
        }
        sb.AppendLine("COMMIT");
        return sb.ToString();
    }

    private static string Text(IReadOnlyList<AllowlistRule> rules, AllowlistOptions o)
    {
        var sb = new StringBuilder();
        sb.Append(Header(o, "#"));
        sb.AppendLine("# action  proto  port   host                                       targets / guide");
        foreach (IPAddress dns in o.DnsServers)
            sb.AppendLine(CultureInfo.InvariantCulture, $"allow     udp    53     {dns,-42} the site's DNS resolver (also tcp 53)");
        foreach (AllowlistRule r in rules)
        {
            string action = r.Reject ? "reject" : "allow";
            sb.AppendLine(CultureInfo.InvariantCulture, $"{action,-9} {r.Transport.ToName(),-6} {r.Port,-6} {r.Host,-42} {Comment(r)}");
        }
        return sb.ToString();
    }
}

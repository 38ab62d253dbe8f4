using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Profiles;

namespace EdgeMonitor.Allowlist;

/// <summary>One firewall rule: allow (or, for a blocked target, reject) one host, port and transport.</summary>
/// <param name="Host">A DNS name, an IP literal, or <see cref="AnyHost"/> (any destination: DNS when the resolver is unknown).</param>
/// <param name="Keys">profile/targetId of every target this rule serves (a host can appear in several profiles).</param>
/// <param name="Notes">The guides' lines these targets come from.</param>
public sealed record AllowlistRule(string Host, int Port, Transport Transport, bool Reject, IReadOnlyList<string> Keys, IReadOnlyList<string> Notes)
{
    public const string AnyHost = "*";

    public IPAddress? Literal => IPAddress.TryParse(Host, out var a) ? a : null;

    public bool IsAny => Host == AnyHost;

    /// <summary>A DNS name: needs a set the resolver fills (firewalls) or a name field (GUIs).</summary>
    public bool IsName => !IsAny && Literal is null;

    public bool IsIpv6Literal => Literal?.AddressFamily == AddressFamily.InterNetworkV6;
}

/// <summary>
/// The rules a site needs, straight from the built-in data plus what the guides leave out
/// (DNS, the NOC's broker): pure data, no resolution, no I/O.
/// </summary>
public static class AllowlistRules
{
    /// <summary>
    /// One rule per distinct (host, port, transport, allow/reject), in target order, rejects first.
    /// A blocked target keeps the transport of the built-in target it overrides. A target the
    /// config's addressMap sends elsewhere gets a rule for where it really goes (a lab, a proxy).
    /// </summary>
    public static IReadOnlyList<AllowlistRule> From(IEnumerable<Target> targets, AddressMap? map = null)
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

    /// <summary>DNS over UDP and TCP to each resolver the site uses; to any address when none is named.</summary>
    public static IEnumerable<AllowlistRule> Dns(IReadOnlyList<IPAddress> servers)
    {
        IEnumerable<string> hosts = servers.Count == 0 ? [AllowlistRule.AnyHost] : servers.Select(s => s.ToString());
        foreach (string host in hosts)
        {
            foreach (Transport t in (Transport[])[Transport.Udp, Transport.Tcp])
                yield return new AllowlistRule(host, 53, t, false, ["site/dns"],
                    [host == AllowlistRule.AnyHost
                        ? "DNS, not in the guides but every name needs it; no resolver named (--dns), so to any address"
                        : "DNS to the site's resolver, not in the guides but every name needs it"]);
        }
    }

    /// <summary>The NOC's MQTT broker from the config: the device reports there.</summary>
    public static AllowlistRule Noc(string host, int port) =>
        new(host.Trim().ToLowerInvariant(), port, Transport.Tcp, false, ["site/noc-mqtt"], ["the NOC's MQTT broker (mqtt.host in the config)"]);

    private static Transport? BuiltInTransport(Target t) =>
        BuiltInProfiles.Find(t.Profile)?.Targets.FirstOrDefault(b => b.Id == t.Id) is { } b ? ProbeKinds.TransportOf(b.Kind) : null;

    /// <summary>A name a firewall file can carry verbatim: LDH labels (and '_', which vendor names use). Anything else is skipped.</summary>
    public static bool IsSafeHost(string host)
    {
        if (host == AllowlistRule.AnyHost || IPAddress.TryParse(host, out _))
            return true;
        if (host.Length is 0 or > 253 || host.StartsWith('.') || host.EndsWith('.') || host.Contains(".."))
            return false;
        return host.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.');
    }

    /// <summary>
    /// The set a resolver fills for one name and family: the name itself (nft and ipset take
    /// '.', '-' and '_', so distinct names never share a set), at most 31 characters (ipset's
    /// limit): a long name keeps its start and gets a short hash.
    /// </summary>
    public static string SetName(string host, bool v6)
    {
        string name = host;
        if (name.Length > 27)
        {
            uint h = 2166136261; // FNV-1a: stable across runs, unlike string.GetHashCode
            foreach (char c in host)
                h = (h ^ c) * 16777619;
            name = $"{host[..20]}_{h & 0xffffff:x6}";
        }
        return (v6 ? "em6_" : "em4_") + name;
    }
}

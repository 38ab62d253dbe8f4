using EdgeMonitor.Net;
using EdgeMonitor.Profiles;
using EdgeMonitor.Tests.Infrastructure;
using EdgeMonitor.Tests.Lab;

namespace EdgeMonitor.Tests.Allowlist;

/// <summary>
/// Every format for every profile, loaded into real rule sets in a namespace of the test's own:
/// the fw4 snippet inside fw4's table, the standalone table and the iptables chains next to
/// rules that were there first and stay as they were; and dnsmasq filling the sets.
/// </summary>
public sealed class AllowlistLoadTests
{
    /// <summary>Each profile alone, then all of them together (shared hosts, every name).</summary>
    private static IEnumerable<string[]> Selections() =>
        BuiltInProfiles.All.Select(p => new[] { "--profile", p.Name }).Append([]);

    private static readonly string[] Segment = ["--from", "br-iot", "--from", "10.0.20.0/24", "--from", "fd00:20::/64", "--dns", "10.0.20.1"];

    private static string Allowlist(params string[] args)
    {
        var (exit, stdout, stderr) = EdgeMonitorCli.Run(["allowlist", .. args]);
        Assert.True(exit == 0, $"allowlist {string.Join(' ', args)}: exit {exit}: {stderr}");
        return stdout;
    }

    [LabFact("nft")]
    public void Fw4_snippet_loads_inside_fw4s_table_for_every_profile()
    {
        using var ns = new NetNs("emal");
        string dir = TempDir.Create("fw4");
        try
        {
            string included = Directory.CreateDirectory(Path.Combine(dir, "nftables.d")).FullName;
            string ruleset = LabPaths.Fw4Ruleset(included, "br-lan", "br-iot", "wan");
            string file = Path.Combine(dir, "fw4.nft");
            File.WriteAllText(file, ruleset);
            foreach (string[] profile in Selections())
            {
                foreach (string[] v6 in new[] { Array.Empty<string>(), ["--no-ipv6"] })
                {
                    File.WriteAllText(Path.Combine(included, "50-edgemonitor.nft"), Allowlist([.. profile, .. Segment, .. v6]));
                    ns.Exec("nft", "-c", "-f", file); // what `fw4 check` does
                    ns.Exec("nft", "-f", file);       // and the real load, as `service firewall restart`
                }
            }
            string forward = ns.Exec("nft", "list", "chain", "inet", "fw4", "forward");
            Assert.Contains("policy drop", forward); // fw4's own chain, as it was
            Assert.Contains("jump forward_lan", forward);
            string hook = ns.Exec("nft", "list", "chain", "inet", "fw4", "edgemonitor_forward");
            Assert.Contains("iifname \"br-iot\" ip saddr 10.0.20.0/24 jump edgemonitor_allowlist", hook);
            string allow = ns.Exec("nft", "list", "chain", "inet", "fw4", "edgemonitor_allowlist");
            Assert.Contains("ip daddr @em4_pool.ntp.org udp dport 123 accept", allow);
            Assert.DoesNotContain("ip6 daddr", allow); // the last load was --no-ipv6
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [LabFact("nft")]
    public void Standalone_table_loads_next_to_an_existing_ruleset_and_leaves_it_intact()
    {
        using var ns = new NetNs("emal");
        ns.Nft("""
            table inet filter {
              chain input {
                type filter hook input priority filter; policy accept;
                tcp dport 22 accept comment "admin ssh"
              }
              chain forward {
                type filter hook forward priority filter; policy drop;
                ct state established,related accept
                iifname "br-lan" accept comment "admin lan"
              }
            }
            table ip nat {
              chain post {
                type nat hook postrouting priority srcnat;
                oifname "wan" masquerade
              }
            }
            """);
        string before = ns.Exec("nft", "list", "table", "inet", "filter") + ns.Exec("nft", "list", "table", "ip", "nat");
        foreach (string[] profile in Selections())
        {
            string nft = Allowlist([.. profile, .. Segment, "--format", "nftables"]);
            ns.Nft(nft);
            ns.Nft(nft); // loading again replaces its own table only
        }
        Assert.Equal(before, ns.Exec("nft", "list", "table", "inet", "filter") + ns.Exec("nft", "list", "table", "ip", "nat"));
        Assert.Contains("table inet edgemonitor", ns.Exec("nft", "list", "tables"));
    }

    [LabFact("iptables-restore", "ip6tables-restore", "ipset")]
    public void Iptables_chains_load_with_noflush_next_to_existing_rules()
    {
        using var ns = new NetNs("emal");
        foreach (string tool in new[] { "iptables", "ip6tables" })
        {
            ns.Exec(tool, "-N", "ADMIN");
            ns.Exec(tool, "-A", "ADMIN", "-p", "tcp", "--dport", "22", "-j", "ACCEPT");
            ns.Exec(tool, "-A", "FORWARD", "-i", "br-lan", "-j", "ADMIN");
        }
        string Admin(string tool) => ns.Exec(tool, "-S", "ADMIN") + ns.Exec(tool, "-S", "FORWARD").Replace("-A FORWARD -j EDGEMONITOR\n", "");
        string before4 = Admin("iptables"), before6 = Admin("ip6tables");
        foreach (string[] profile in Selections())
        {
            ns.Exec("sh", "-c", $"ipset restore -exist <<'EOF'\n{Allowlist([.. profile, .. Segment, "--format", "ipset"])}EOF");
            foreach (string tool in new[] { "iptables", "ip6tables" })
            {
                string rules = Allowlist([.. profile, .. Segment, "--format", tool]);
                for (int i = 0; i < 2; i++) // loading twice refills its own chains, flushes nothing else
                    ns.Exec("sh", "-c", $"{tool}-restore --noflush <<'EOF'\n{rules}EOF");
                int want = rules.Split('\n').Count(l => l.StartsWith("-A EDGEMONITOR_ALLOW ", StringComparison.Ordinal));
                int have = ns.Exec(tool, "-S", "EDGEMONITOR_ALLOW").Split('\n').Count(l => l.StartsWith("-A ", StringComparison.Ordinal));
                Assert.Equal(want, have);
            }
        }
        Assert.Equal(before4, Admin("iptables"));
        Assert.Equal(before6, Admin("ip6tables"));
        Assert.Contains("-A EDGEMONITOR -s 10.0.20.0/24 -i br-iot -j EDGEMONITOR_ALLOW", ns.Exec("iptables", "-S", "EDGEMONITOR"));
        Assert.Contains("-A EDGEMONITOR -s fd00:20::/64 -i br-iot -j EDGEMONITOR_ALLOW", ns.Exec("ip6tables", "-S", "EDGEMONITOR"));
        Assert.Contains("em4_pool.ntp.org", ns.Exec("ipset", "list", "-n"));
    }

    /// <summary>
    /// The router's dnsmasq fills the sets from the generated nftset= lines as a device resolves:
    /// a name with several addresses gets all of them, a name without AAAA leaves its IPv6 set
    /// empty and breaks nothing, and every entry carries the timeout.
    /// </summary>
    [LabFact("nft", "dnsmasq", "getent")]
    public void Dnsmasq_fills_the_sets_with_every_address_and_a_timeout()
    {
        using var ns = new NetNs("emal");
        string etc = $"/etc/netns/{ns.Name}";
        Directory.CreateDirectory(etc);
        string dir = TempDir.Create("allowlist");
        try
        {
            File.WriteAllText(Path.Combine(etc, "resolv.conf"), "nameserver 127.0.0.1\noptions timeout:1 attempts:2\n");
            File.WriteAllText(Path.Combine(etc, "hosts"), "127.0.0.1 localhost\n");
            // Upstream: pool.ntp.org has two A records and no AAAA, router.cloudtrax.com one of each.
            File.WriteAllText(Path.Combine(dir, "upstream.conf"), """
                no-resolv
                no-hosts
                listen-address=127.0.0.2
                bind-interfaces
                user=root
                host-record=pool.ntp.org,192.0.2.123
                host-record=pool.ntp.org,192.0.2.124
                host-record=router.cloudtrax.com,192.0.2.80,2001:db8::80
                """);
            ns.Exec("ip", "addr", "add", "127.0.0.2/8", "dev", "lo");
            string nft = Allowlist("--profile", "cloudtrax-router", "--format", "nftables", "--from", "br-iot");
            ns.Nft(nft);
            var nftset = nft.Split('\n').Where(l => l.StartsWith("# nftset=", StringComparison.Ordinal)).Select(l => l[2..]);
            File.WriteAllText(Path.Combine(dir, "router.conf"),
                "no-resolv\nno-hosts\nlisten-address=127.0.0.1\nbind-interfaces\nuser=root\nserver=127.0.0.2\n" + string.Join('\n', nftset) + "\n");
            using var upstream = ServerProcess.Start("ip", ns.Wrap("dnsmasq", "--keep-in-foreground", $"--conf-file={dir}/upstream.conf", $"--pid-file={dir}/up.pid"));
            using var router = ServerProcess.Start("ip", ns.Wrap("dnsmasq", "--keep-in-foreground", $"--conf-file={dir}/router.conf", $"--pid-file={dir}/router.pid"));
            router.WaitFor(() => Resolves(ns, "ahostsv4", "router.cloudtrax.com", "192.0.2.80"), "an answer through the router's dnsmasq");
            // A device asks for both families. `getent hosts` asks AAAA first, then A (getaddrinfo would
            // skip AAAA here: the namespace has no global IPv6 address).
            Assert.True(Resolves(ns, "hosts", "router.cloudtrax.com", "2001:db8::80"));
            Assert.True(Resolves(ns, "hosts", "pool.ntp.org", "192.0.2.12")); // no AAAA: empty answer, then A
            Assert.True(Resolves(ns, "ahostsv4", "pool.ntp.org", "192.0.2.12"));

            string pool4 = ns.Exec("nft", "list", "set", "inet", "edgemonitor", "em4_pool.ntp.org");
            // nft lists an element that has the set's default timeout as "ADDR expires LEFT".
            Assert.Contains("timeout 1h", pool4);
            Assert.Matches(@"192\.0\.2\.123 (timeout \S+ )?expires", pool4);
            Assert.Matches(@"192\.0\.2\.124 (timeout \S+ )?expires", pool4);
            Assert.DoesNotContain("elements", ns.Exec("nft", "list", "set", "inet", "edgemonitor", "em6_pool.ntp.org"));
            Assert.Matches(@"2001:db8::80 (timeout \S+ )?expires", ns.Exec("nft", "list", "set", "inet", "edgemonitor", "em6_router.cloudtrax.com"));
        }
        finally
        {
            Directory.Delete(etc, true);
            Directory.Delete(dir, true);
        }
    }

    private static bool Resolves(NetNs ns, string database, string name, string expect)
    {
        try
        {
            return ns.Exec("getent", database, name).Contains(expect, StringComparison.Ordinal);
        }
        catch (InvalidOperationException)
        {
            return false; // not answering yet
        }
    }
}

using EdgeMonitor.Configuration;
using EdgeMonitor.Probes;
using EdgeMonitor.Profiles;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Lab;

/// <summary>The allowlist generator: pure rules from the built-in data, and nftables that really loads.</summary>
public sealed class AllowlistTests
{
    private static IReadOnlyList<Target> Catalog(string json) => TargetCatalog.Build(ConfigLoader.Parse(json, "test"));

    [Fact]
    public void Every_built_in_target_has_a_rule_with_its_port_and_transport()
    {
        var targets = BuiltInProfiles.All.SelectMany(p => p.Targets).ToList();
        var rules = Allowlist.Rules(targets);
        foreach (Target t in targets)
        {
            Transport want = t.Kind == "ntp" ? Transport.Udp : Transport.Tcp;
            Assert.Contains(rules, r => r.Host == t.Host.ToLowerInvariant() && r.Port == t.Port && r.Transport == want
                && !r.Reject && r.Keys.Contains(t.Key) && r.Notes.Contains(t.Note));
        }
        Assert.DoesNotContain(rules, r => r.Reject);
    }

    [Fact]
    public void A_host_shared_by_profiles_is_one_rule_naming_every_target()
    {
        var rules = Allowlist.Rules(Catalog("""{"profiles": ["cloudtrax-ap", "cloudtrax-legacy-4xx"]}"""));
        var keeper = Assert.Single(rules, r => r.Host == "connkeeper.cloudtrax.com");
        Assert.Equal(["cloudtrax-ap/connkeeper", "cloudtrax-legacy-4xx/connkeeper"], keeper.Keys);
        Assert.Equal(80, keeper.Port);
        Assert.Single(rules, r => r.Host == "54.245.251.231" && r.Port == 443);
    }

    [Fact]
    public void Blocked_targets_become_rejects_before_every_allow_and_keep_their_transport()
    {
        var rules = Allowlist.Rules(Catalog("""
            {
              "profiles": ["cloudtrax-ap"],
              "requirements": { "cloudtrax-ap/support-tunnel": "blocked", "cloudtrax-ap/ntp-cloudtrax": "blocked" },
              "targets": [ { "profile": "cloudtrax-ap", "id": "corp", "kind": "blocked", "host": "192.0.2.10", "port": 445, "requirement": "blocked" } ]
            }
            """));
        int firstAllow = rules.ToList().FindIndex(r => !r.Reject);
        Assert.Equal(3, firstAllow);
        Assert.Contains(rules.Take(3), r => r.Host == "vpn.cloudtrax.com" && r.Port == 18991 && r.Transport == Transport.Tcp);
        // The NTP target is probed as "blocked" (a TCP reachability check) but the rule stays UDP 123.
        Assert.Contains(rules.Take(3), r => r.Host == "ntp.cloudtrax.com" && r.Port == 123 && r.Transport == Transport.Udp);
        Assert.Contains(rules.Take(3), r => r.Host == "192.0.2.10" && r.Port == 445);
        Assert.DoesNotContain(rules, r => !r.Reject && r.Host == "vpn.cloudtrax.com");

        string nft = Allowlist.Render(rules, new AllowlistOptions());
        Assert.Contains("ip daddr 192.0.2.10 tcp dport 445 reject with icmpx admin-prohibited", nft);
        Assert.True(nft.IndexOf("reject", StringComparison.Ordinal) < nft.IndexOf(" accept comment \"cloudtrax-ap/cloud\"", StringComparison.Ordinal));
    }

    [Fact]
    public void Address_map_sends_the_rule_where_the_traffic_goes()
    {
        var c = ConfigLoader.Parse("""{"profiles": ["cloudtrax-switch"], "addressMap": {"54.245.115.10": "10.99.4.1", "cloud-switch.cloudtrax.com:443": "10.99.2.9:8443"}}""", "test");
        AddressMap.TryCreate(c.AddressMap, out var map, out _);
        var rules = Allowlist.Rules(TargetCatalog.Build(c), map);
        Assert.DoesNotContain(rules, r => r.Host == "54.245.115.10");
        Assert.Contains(rules, r => r.Host == "10.99.4.1" && r.Port == 443 && r.Notes[0].Contains("addressMap: 54.245.115.10:443"));
        Assert.Contains(rules, r => r.Host == "10.99.2.9" && r.Port == 8443);
    }

    [Fact]
    public void A_host_that_is_neither_address_nor_name_is_skipped_not_written()
    {
        var rules = Allowlist.Rules(Catalog("""{"targets": [{"id": "x", "kind": "tcp", "host": "a.example\" accept #", "port": 1}]}"""));
        foreach (var format in Enum.GetValues<AllowlistFormat>().Where(f => f != AllowlistFormat.Text))
        {
            string text = Allowlist.Render(rules, new AllowlistOptions { Format = format });
            Assert.Contains("skipped", text);
            Assert.DoesNotContain("\" accept #", text.Split('\n').Where(l => !l.TrimStart().StartsWith('#')).Aggregate("", (a, b) => a + b));
        }
    }

    [Fact]
    public void Text_and_iptables_name_the_guide_line_per_rule()
    {
        var rules = Allowlist.Rules(Catalog("""{"profiles": ["dt-ccon-gen2"]}"""));
        string text = Allowlist.Render(rules, new AllowlistOptions { Format = AllowlistFormat.Text });
        Assert.Contains("allow     udp    123    time1.google.com", text);
        Assert.Contains("DT 2nd Gen NTP when DHCP advertises none (UDP 123)", text);
        string ipt = Allowlist.Render(rules, new AllowlistOptions { Format = AllowlistFormat.Iptables });
        Assert.Contains("-A EDGEMONITOR -d ccon-manager.prod.disruptive-technologies.com -p tcp --dport 443 -m comment --comment \"dt-ccon-gen2/ccon-manager\" -j ACCEPT", ipt);
        Assert.EndsWith("COMMIT\n", ipt);
    }

    [LabFact("nft")]
    public void Nftables_output_for_every_profile_loads()
    {
        using var ns = new NetNs("emal");
        foreach (string[] extra in new[] { Array.Empty<string>(), ["--ipv6", "--dns", "192.0.2.53", "--dns", "2001:db8::53"] })
        {
            var (exit, nft, err) = EdgeMonitorCli.Run(["allowlist", "--format", "nftables", .. extra]);
            Assert.True(exit == 0, err);
            ns.Nft(nft);
            string listed = ns.Exec("nft", "list", "chain", "inet", "edgemonitor", "allowlist");
            Assert.Contains("ip daddr 54.245.251.231 tcp dport 443 accept", listed);
            Assert.Contains("ip daddr @h_pool_ntp_org_v4 udp dport 123 accept", listed);
            Assert.Contains("policy drop", ns.Exec("nft", "list", "chain", "inet", "edgemonitor", "forward"));
        }
    }

    /// <summary>
    /// --names load: nft resolves every name once at load, with the resolver of the namespace
    /// that loads it; here a dnsmasq in the namespace answers each name with a lab address.
    /// </summary>
    [LabFact("nft", "dnsmasq")]
    public void Names_resolve_at_load_inside_the_namespace_that_loads_them()
    {
        using var ns = new NetNs("emal");
        string etc = $"/etc/netns/{ns.Name}";
        Directory.CreateDirectory(etc);
        string dir = TempDir.Create("allowlist");
        try
        {
            File.WriteAllText(Path.Combine(etc, "resolv.conf"), "nameserver 127.0.0.1\noptions timeout:1 attempts:2\n");
            File.WriteAllText(Path.Combine(etc, "hosts"), "127.0.0.1 localhost\n");
            var names = BuiltInProfiles.Find("cloudtrax-router")!.Targets.Select(t => t.Host).Where(h => !System.Net.IPAddress.TryParse(h, out _)).Distinct().ToList();
            var conf = new System.Text.StringBuilder("no-resolv\nno-hosts\nlisten-address=127.0.0.1\nbind-interfaces\nuser=root\n");
            for (int i = 0; i < names.Count; i++)
                conf.Append($"address=/{names[i]}/10.99.2.{10 + i}\n");
            File.WriteAllText(Path.Combine(dir, "dnsmasq.conf"), conf.ToString());
            using var dnsmasq = ServerProcess.Start("ip", ns.Wrap("dnsmasq", "--keep-in-foreground", $"--conf-file={dir}/dnsmasq.conf", $"--pid-file={dir}/pid"));
            dnsmasq.WaitFor(() => Answers(ns, "router.cloudtrax.com"), "an answer from dnsmasq");

            var (exit, nft, err) = EdgeMonitorCli.Run(["allowlist", "--profile", "cloudtrax-router", "--names", "load"]);
            Assert.True(exit == 0, err);
            ns.Nft(nft);
            string set = ns.Exec("nft", "list", "set", "inet", "edgemonitor", "h_router_cloudtrax_com_v4");
            Assert.Contains($"10.99.2.{10 + names.IndexOf("router.cloudtrax.com")}", set);
        }
        finally
        {
            Directory.Delete(etc, true);
            Directory.Delete(dir, true);
        }
    }

    private static bool Answers(NetNs ns, string name)
    {
        try
        {
            return ns.Exec("getent", "hosts", name).Contains("10.99.2.", StringComparison.Ordinal);
        }
        catch (InvalidOperationException)
        {
            return false; // not answering yet
        }
    }
}

using EdgeMonitor.Allowlist;
using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Profiles;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Allowlist;

/// <summary>The allowlist generator: the rules from the built-in data and what each format says about them.</summary>
public sealed class AllowlistTests
{
    private static IReadOnlyList<Target> Catalog(string json) => TargetCatalog.Build(ConfigLoader.Parse(json, "test"));

    private static readonly Segment Iot = new(["br-iot"], [System.Net.IPNetwork.Parse("10.0.20.0/24")]);

    private static string Render(IReadOnlyList<AllowlistRule> rules, AllowlistFormat f, bool ipv6 = true) =>
        AllowlistRenderer.Render(rules, new AllowlistOptions { Format = f, Segment = Iot, Ipv6 = ipv6 });

    /// <summary>The lines that are not comments: what a firewall actually loads.</summary>
    private static string Loaded(string text) =>
        string.Join('\n', text.Split('\n').Where(l => !l.TrimStart().StartsWith('#')));

    [Fact]
    public void Every_built_in_target_has_a_rule_with_its_port_and_transport()
    {
        var targets = BuiltInProfiles.All.SelectMany(p => p.Targets).ToList();
        var rules = AllowlistRules.From(targets);
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
        var rules = AllowlistRules.From(Catalog("""{"profiles": ["cloudtrax-ap", "cloudtrax-legacy-4xx"]}"""));
        var keeper = Assert.Single(rules, r => r.Host == "connkeeper.cloudtrax.com");
        Assert.Equal(["cloudtrax-ap/connkeeper", "cloudtrax-legacy-4xx/connkeeper"], keeper.Keys);
        Assert.Equal(80, keeper.Port);
        Assert.Single(rules, r => r.Host == "54.245.251.231" && r.Port == 443);
    }

    [Fact]
    public void Blocked_targets_become_rejects_before_every_allow_and_keep_their_transport()
    {
        var rules = AllowlistRules.From(Catalog("""
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

        string nft = Render(rules, AllowlistFormat.Fw4);
        Assert.Contains("ip daddr 192.0.2.10 tcp dport 445 reject with icmpx admin-prohibited", nft);
        Assert.True(nft.IndexOf("reject with", StringComparison.Ordinal) < nft.IndexOf(" accept comment \"cloudtrax-ap/cloud\"", StringComparison.Ordinal));
        string ipt = Render(rules, AllowlistFormat.Iptables);
        Assert.Contains("-A EDGEMONITOR_ALLOW -d 192.0.2.10 -p tcp -m tcp --dport 445 -m comment --comment \"cloudtrax-ap/corp\" -j REJECT --reject-with icmp-admin-prohibited", ipt);
    }

    [Fact]
    public void Address_map_sends_the_rule_where_the_traffic_goes()
    {
        var c = ConfigLoader.Parse("""{"profiles": ["cloudtrax-switch"], "addressMap": {"54.245.115.10": "10.99.4.1", "cloud-switch.cloudtrax.com:443": "10.99.2.9:8443"}}""", "test");
        AddressMap.TryCreate(c.AddressMap, out var map, out _);
        var rules = AllowlistRules.From(TargetCatalog.Build(c), map);
        Assert.DoesNotContain(rules, r => r.Host == "54.245.115.10");
        Assert.Contains(rules, r => r.Host == "10.99.4.1" && r.Port == 443 && r.Notes[0].Contains("addressMap: 54.245.115.10:443"));
        Assert.Contains(rules, r => r.Host == "10.99.2.9" && r.Port == 8443);
    }

    [Fact]
    public void A_host_that_is_neither_address_nor_name_is_skipped_not_written()
    {
        var rules = AllowlistRules.From(Catalog("""{"targets": [{"id": "x", "kind": "tcp", "host": "a.example\" accept #", "port": 1}]}"""));
        foreach (var format in Enum.GetValues<AllowlistFormat>().Where(f => f is not (AllowlistFormat.Text or AllowlistFormat.Ipset)))
        {
            string text = Render(rules, format);
            Assert.Contains("skipped", text);
            Assert.DoesNotContain("accept #", Loaded(text));
        }
    }

    [Fact]
    public void Names_are_sets_never_resolved_at_load_with_a_timeout_for_both_families()
    {
        var rules = AllowlistRules.From(Catalog("""{"profiles": ["cloudtrax-router"]}"""));
        string fw4 = Render(rules, AllowlistFormat.Fw4);
        // No name appears where nft would resolve it: only in comments and set comments.
        Assert.DoesNotContain("daddr router.cloudtrax.com", fw4);
        Assert.DoesNotContain("elements", fw4);
        Assert.Contains("set em4_router.cloudtrax.com {\n\ttype ipv4_addr\n\tflags timeout\n\ttimeout 3600s", fw4);
        Assert.Contains("set em6_router.cloudtrax.com {\n\ttype ipv6_addr", fw4);
        Assert.Contains("ip6 daddr @em6_router.cloudtrax.com tcp dport 443 accept", fw4);
        Assert.Contains("# nftset=/router.cloudtrax.com/4#inet#fw4#em4_router.cloudtrax.com,6#inet#fw4#em6_router.cloudtrax.com", fw4);
        Assert.Contains("# config ipset\n# \tlist name 'em4_router.cloudtrax.com'\n# \tlist name 'em6_router.cloudtrax.com'\n# \tlist domain 'router.cloudtrax.com'", fw4);
        Assert.Contains("#inet#edgemonitor#em4_router.cloudtrax.com", Render(rules, AllowlistFormat.Nftables));
        Assert.Contains("create em6_router.cloudtrax.com hash:ip family inet6 timeout 3600", Render(rules, AllowlistFormat.Ipset));
        Assert.Contains("-m set --match-set em6_router.cloudtrax.com dst -p tcp", Render(rules, AllowlistFormat.Ip6tables));

        string v4only = Render(rules, AllowlistFormat.Fw4, ipv6: false);
        Assert.DoesNotContain("em6_", v4only);
    }

    [Fact]
    public void Set_names_fit_ipset_and_stay_unique_for_every_built_in_name()
    {
        var hosts = BuiltInProfiles.All.SelectMany(p => p.Targets).Select(t => t.Host.ToLowerInvariant()).Distinct()
            .Append("a-very-long-vendor-endpoint-name.region-1.example.com").Append("a-very-long-vendor-endpoint-name.region-2.example.com")
            .Append("cloud-ap.cloudtrax.com").Append("cloud.ap.cloudtrax.com").ToList(); // next to cloud_ap.cloudtrax.com
        var names = hosts.SelectMany(h => new[] { AllowlistRules.SetName(h, false), AllowlistRules.SetName(h, true) }).ToList();
        Assert.All(names, n => Assert.InRange(n.Length, 5, 31));
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public void Every_drop_sits_behind_the_segment_match()
    {
        var rules = AllowlistRules.From(Catalog("""{"profiles": ["dt-ccon"]}"""));
        var seg = new Segment(["br-iot", "wlan1"], [System.Net.IPNetwork.Parse("10.0.20.0/24")]);
        string nft = AllowlistRenderer.Render(rules, new AllowlistOptions { Format = AllowlistFormat.Nftables, Segment = seg });
        // The only base chain accepts by policy and sends just the segment to the allowlist.
        Assert.Single(nft.Split('\n'), l => l.Contains("hook forward", StringComparison.Ordinal));
        Assert.Contains("type filter hook forward priority filter - 1; policy accept;\n\t\tiifname { \"br-iot\", \"wlan1\" } ip saddr { 10.0.20.0/24 } jump edgemonitor_allowlist\n\t\tiifname { \"br-iot\", \"wlan1\" } meta nfproto ipv6 jump edgemonitor_allowlist\n\t}", nft);
        Assert.Contains("SCOPE: only traffic forwarded from the device segment: interface br-iot, interface wlan1, source 10.0.20.0/24.", nft);
        string ipt = AllowlistRenderer.Render(rules, new AllowlistOptions { Format = AllowlistFormat.Iptables, Segment = seg });
        Assert.Contains("-A EDGEMONITOR -i br-iot -s 10.0.20.0/24 -j EDGEMONITOR_ALLOW\n-A EDGEMONITOR -i wlan1 -s 10.0.20.0/24 -j EDGEMONITOR_ALLOW\n", ipt);
        // Allowed traffic goes on through the admin's FORWARD rules; nothing of theirs is flushed.
        Assert.DoesNotContain("-j ACCEPT", ipt);
        Assert.DoesNotContain(":FORWARD", ipt);
        Assert.DoesNotContain("-F", Loaded(ipt));
    }

    [Fact]
    public void The_header_carries_the_guide_requirements_no_rule_can_say()
    {
        var ct = AllowlistRules.From(Catalog("""{"profiles": ["cloudtrax-ap"]}"""));
        foreach (var f in Enum.GetValues<AllowlistFormat>())
        {
            string text = Render(ct, f);
            Assert.Contains("at least 600 s", text);
            Assert.Contains("RV340/RV340W/RV345/RV345P on firmware 1.0.01.17 or older", text);
            Assert.Contains("1.0.01.1702", text);
        }
        Assert.Contains("net.netfilter.nf_conntrack_tcp_timeout_established >= 600", Render(ct, AllowlistFormat.Nftables));
        Assert.Contains("11-nf-conntrack.conf", Render(ct, AllowlistFormat.Fw4));
        Assert.DoesNotContain("RV34", Render(AllowlistRules.From(Catalog("""{"profiles": ["dt-ccon-gen2"]}""")), AllowlistFormat.Fw4));
    }

    [Fact]
    public void Text_names_the_guide_line_and_offers_wildcards_only_where_the_guide_allows_them()
    {
        var gen2 = AllowlistRules.From(Catalog("""{"profiles": ["dt-ccon-gen2"]}"""));
        string text = Render(gen2, AllowlistFormat.Text);
        Assert.Contains("allow     udp    123    time1.google.com", text);
        Assert.Contains("DT 2nd Gen NTP when DHCP advertises none (UDP 123)", text);
        Assert.DoesNotContain("*.", text); // the 2nd Gen section lists names only
        Assert.EndsWith("deny      any    any    any                                        everything else from the device segment\n", text);

        string other = Render(AllowlistRules.From(Catalog("""{"profiles": ["dt-ccon"]}""")), AllowlistFormat.Text);
        Assert.Contains("allow     tcp    443    *.balena-cloud.com", other);
        Assert.Contains("allow     udp    123    *.resinio.pool.ntp.org", other);
    }

    private static string Config(string json)
    {
        string path = Path.Combine(TempDir.Create("allowlist"), "edgemonitor.json");
        File.WriteAllText(path, json);
        return path;
    }

    [Fact]
    public void Dns_ntp_the_noc_and_ipv6_are_in_by_default_and_each_can_be_left_out()
    {
        string config = Config("""{"profiles": ["dt-ccon-gen2"], "dns": {"server": "192.0.2.53"}, "mqtt": {"enabled": true, "host": "noc.example.net", "port": 8883}}""");
        var (exit, nft, err) = EdgeMonitorCli.Run(["allowlist", "--config", config, "--format", "nftables", "--from", "br-iot"]);
        Assert.True(exit == 0, err);
        Assert.Contains("ip daddr 192.0.2.53 udp dport 53 accept comment \"site/dns\"", nft);
        Assert.Contains("ip daddr 192.0.2.53 tcp dport 53 accept comment \"site/dns\"", nft);
        Assert.Contains("ip daddr @em4_noc.example.net tcp dport 8883 accept comment \"site/noc-mqtt\"", nft);
        Assert.Contains("ip6 daddr @em6_noc.example.net tcp dport 8883 accept", nft);
        Assert.Contains("udp dport 123 accept", nft);

        (exit, nft, err) = EdgeMonitorCli.Run(["allowlist", "--config", config, "--format", "nftables", "--from", "br-iot",
            "--no-dns", "--no-ntp", "--no-noc", "--no-ipv6"]);
        Assert.True(exit == 0, err);
        string loaded = Loaded(nft);
        Assert.DoesNotContain("dport 53", loaded);
        Assert.DoesNotContain("dport 123", loaded);
        Assert.DoesNotContain("8883", loaded);
        Assert.DoesNotContain("ip6 daddr", loaded);
        Assert.Contains("DNS: left out (--no-dns).", nft);

        // --dns wins over the config; with neither, fw4 leaves DNS to the router's dnsmasq and the others allow any address.
        (_, nft, _) = EdgeMonitorCli.Run(["allowlist", "--config", config, "--format", "nftables", "--from", "br-iot", "--dns", "2001:db8::53"]);
        Assert.Contains("ip6 daddr 2001:db8::53 udp dport 53 accept", nft);
        Assert.DoesNotContain("192.0.2.53", nft);
        (_, nft, _) = EdgeMonitorCli.Run(["allowlist", "--profile", "dt-ccon-gen2", "--format", "iptables", "--from", "br-iot"]);
        Assert.Contains("-A EDGEMONITOR_ALLOW -p udp -m udp --dport 53 -m comment --comment \"site/dns\" -j RETURN", nft);
        (_, nft, _) = EdgeMonitorCli.Run(["allowlist", "--profile", "dt-ccon-gen2", "--from", "br-iot"]);
        Assert.DoesNotContain("dport 53", Loaded(nft));
        Assert.Contains("the devices ask this router's dnsmasq", nft);
    }

    [Theory]
    [InlineData(64, "allowlist")] // no --from
    [InlineData(64, "allowlist", "--from", "br-iot; drop")]
    [InlineData(64, "allowlist", "--from", "10.0.0.1/8")] // host bits set
    [InlineData(64, "allowlist", "--from", "br-iot", "--format", "pf")]
    [InlineData(64, "allowlist", "--from", "br-iot", "--names", "load")]
    [InlineData(64, "allowlist", "--from", "br-iot", "--dns", "resolver.example")]
    [InlineData(64, "allowlist", "--from", "br-iot", "--set-timeout", "5")]
    [InlineData(64, "allowlist", "--from", "br-iot", "--profile", "no-such-profile")]
    [InlineData(78, "allowlist", "--from", "br-iot", "--config", "/nonexistent/edgemonitor.json")]
    [InlineData(0, "allowlist", "--format", "text")]
    [InlineData(0, "allowlist", "--help")]
    public void Exit_codes_match_the_other_verbs(int want, params string[] args)
    {
        var (exit, _, err) = EdgeMonitorCli.Run(args);
        Assert.True(want == exit, $"exit {exit}, want {want}: {err}");
        if (want == 64)
            Assert.Contains("usage: edgemonitor allowlist", err);
    }
}

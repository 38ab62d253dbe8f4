using System.Text.Json;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Net.Dhcp;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;
using EdgeMonitor.Tests.Probes;

namespace EdgeMonitor.Tests.Net;

/// <summary>
/// The NTP server the site's DHCP advertises (option 42), learnt by the real program through
/// DHCPINFORM from a real dnsmasq DHCP server across a veth pair between two namespaces the
/// test creates (the site's router and the box), with and without option 42.
/// </summary>
public sealed class DhcpNtpTests
{
    /// <summary>Router and box namespaces joined by a veth pair; the box's default route points at the router.</summary>
    private sealed class Site : IDisposable
    {
        public NetNs Router { get; } = new("emdr");
        public NetNs Box { get; } = new("emdb");
        public string BoxLink { get; }
        public string Net { get; }
        private readonly SystemResolverNamespace _resolver;
        private readonly ServerProcess _dnsmasq;

        public Site(bool advertiseNtp)
        {
            string tag = Guid.NewGuid().ToString("N")[..6];
            string routerLink = "emr" + tag;
            BoxLink = "emb" + tag;
            Net = $"10.{Random.Shared.Next(100, 200)}.{Random.Shared.Next(1, 250)}";
            Sh.Run("ip", "link", "add", routerLink, "netns", Router.Name, "type", "veth", "peer", "name", BoxLink, "netns", Box.Name);
            Router.Exec("ip", "addr", "add", $"{Net}.1/24", "dev", routerLink);
            Router.Exec("ip", "link", "set", routerLink, "up");
            Box.Exec("ip", "addr", "add", $"{Net}.2/24", "dev", BoxLink);
            Box.Exec("ip", "link", "set", BoxLink, "up");
            Box.Exec("ip", "route", "add", "default", "via", $"{Net}.1");
            _resolver = new SystemResolverNamespace(Box);
            string leases = Path.Combine(TempDir.Create("dhcp"), "leases");
            string dnsmasq = RequiresFactAttribute.Which("dnsmasq")!;
            _dnsmasq = ServerProcess.Start("ip", Router.Wrap(
            [
                dnsmasq, "--no-daemon", "--conf-file=/dev/null", "--port=0", $"--interface={routerLink}", "--bind-interfaces",
                $"--dhcp-range={Net}.10,{Net}.50,255.255.255.0", "--dhcp-authoritative", $"--dhcp-leasefile={leases}", "--log-dhcp",
                .. advertiseNtp ? new[] { $"--dhcp-option=option:ntp-server,{Net}.1" } : [],
            ]));
            _dnsmasq.WaitFor(() => _dnsmasq.Output.Contains("DHCP, IP range", StringComparison.Ordinal), "dnsmasq DHCP start");
        }

        public string DhcpLog => _dnsmasq.Output;

        public void Dispose()
        {
            _dnsmasq.Dispose();
            _resolver.Dispose();
            Box.Dispose();
            Router.Dispose();
        }
    }

    private static (string Human, List<(string Target, string Address)> Results) Check(Site site, string configJson)
    {
        string config = Path.Combine(TempDir.Create("dhcpntp"), "c.json");
        File.WriteAllText(config, configJson);
        var (exit, human, stderr) = EdgeMonitorCli.Run(["check", "--config", config], wrapIn: ["ip", .. site.Box.Wrap()]);
        Assert.True(exit is 1 or 2, $"exit {exit}: {human}{stderr}\n{site.DhcpLog}");
        var (_, json, _) = EdgeMonitorCli.Run(["check", "--config", config, "--json"], wrapIn: ["ip", .. site.Box.Wrap()]);
        using var doc = JsonDocument.Parse(json);
        var results = doc.RootElement.GetProperty("results").EnumerateArray()
            .Select(r => (r.GetProperty("target").GetString()!, r.TryGetProperty("address", out var a) ? a.GetString() ?? "" : "")).ToList();
        return (human, results);
    }

    /// <summary>The header line saying which NTP server stands for the DHCP one.</summary>
    private static string NtpLine(string human) =>
        human.Split('\n').FirstOrDefault(l => l.StartsWith("ntp server:", StringComparison.Ordinal)) ?? human;

    private const string DtSite = """{ "profiles": ["dt-ccon-gen2"], "probe": { "timeoutMs": 1000, "ipv6": "off" } }""";

    [RootFactRequiring("dnsmasq")]
    public void The_ntp_server_of_dhcp_option_42_replaces_the_pools_and_the_output_says_where_it_came_from()
    {
        using var site = new Site(advertiseNtp: true);
        var (human, results) = Check(site, DtSite);
        Assert.True(NtpLine(human) == $"ntp server: {site.Net}.1:123 from DHCP option 42 from {site.Net}.1 (DHCPINFORM on {site.BoxLink})",
            human + site.DhcpLog);
        Assert.Contains(results, r => r.Target == "ntp-dhcp" && r.Address == $"{site.Net}.1:123");
        Assert.DoesNotContain(results, r => r.Target.StartsWith("ntp-time", StringComparison.Ordinal));
        Assert.Contains("DHCPINFORM", site.DhcpLog);

        // ntp.server set by hand wins, and says so.
        var (byHand, handResults) = Check(site, """
            { "profiles": ["dt-ccon-gen2"], "ntp": { "server": "127.0.0.1:9123" }, "probe": { "timeoutMs": 1000, "ipv6": "off" } }
            """);
        Assert.Equal("ntp server: 127.0.0.1:9123 from ntp.server in the config", NtpLine(byHand));
        Assert.Contains(handResults, r => r.Target == "ntp-dhcp" && r.Address == "127.0.0.1:9123");
    }

    [RootFactRequiring("dnsmasq")]
    public void Without_option_42_the_fixed_pools_are_checked_and_the_output_says_none_was_advertised()
    {
        using var site = new Site(advertiseNtp: false);
        var (human, results) = Check(site, DtSite);
        Assert.StartsWith($"ntp server: none from DHCP (the DHCP server from {site.Net}.1 advertises no NTP server (option 42) on {site.BoxLink})",
            NtpLine(human));
        Assert.DoesNotContain(results, r => r.Target == "ntp-dhcp");
        Assert.Contains(results, r => r.Target == "ntp-time1");
    }

    [Fact]
    public void Dhclient_lease_names_the_interfaces_last_ntp_server()
    {
        const string leases = """
            lease {
              interface "eth0";
              option ntp-servers 192.0.2.5, 192.0.2.6;
            }
            lease {
              interface "eth1";
              option ntp-servers 198.51.100.1;
            }
            lease {
              interface "eth0";
              option ntp-servers 192.0.2.7;
            }
            """;
        Assert.Equal("192.0.2.7", DhcpNtp.DhclientNtp(leases, "eth0"));
        Assert.Equal("198.51.100.1", DhcpNtp.DhclientNtp(leases, "eth1"));
        Assert.Null(DhcpNtp.DhclientNtp(leases, "wlan0"));
    }
}

using System.Text.Json;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Probes;

/// <summary>The dns and ntp kinds through the real program: config keys, resolver choice, JSON results.</summary>
public sealed class DnsCliTests
{
    private static Dictionary<(string Target, string Family), (string Outcome, string Reason, string Detail)> Check(string config, string[]? wrapIn = null)
    {
        string dir = TempDir.Create("dnscli");
        string file = Path.Combine(dir, "c.json");
        File.WriteAllText(file, config);
        var (exit, stdout, stderr) = EdgeMonitorCli.Run(["check", "--config", file, "--json"], wrapIn: wrapIn);
        Assert.True(exit is 0 or 1 or 2, $"exit {exit}: {stdout}{stderr}");
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.GetProperty("results").EnumerateArray().ToDictionary(
            r => (r.GetProperty("target").GetString()!, r.GetProperty("family").GetString()!),
            r => (r.GetProperty("outcome").GetString()!, r.GetProperty("reason").GetString()!, r.GetProperty("detail").GetString()!));
    }

    /// <summary>`dns.server` makes every name go to dnsmasq: dns targets, and an ntp target reaching chronyd by name.</summary>
    [RequiresFact("dnsmasq", "chronyd")]
    public void Configured_dns_server_answers_dns_targets_and_finds_the_ntp_server()
    {
        using var dns = DnsmasqServer.Lab();
        using var chrony = ChronyServer.Start();
        var r = Check($$"""
            { "dns": { "server": "{{dns.Endpoint}}" },
              "probe": { "timeoutMs": 1500 },
              "targets": [
                { "id": "cloud", "kind": "dns", "host": "cloud_ap.cloudtrax.com", "port": 53 },
                { "id": "nx", "kind": "dns", "host": "nothere.lab.test", "port": 53 },
                { "id": "time", "kind": "ntp", "host": "ntp.lab.test", "port": {{chrony.Endpoint.Port}} } ] }
            """);
        Assert.Equal("pass", r[("cloud", "ipv4")].Outcome);
        Assert.Contains("127.0.0.2", r[("cloud", "ipv4")].Detail);
        Assert.Contains($"DNS server {dns.Endpoint}", r[("cloud", "ipv4")].Detail);
        Assert.Equal("pass", r[("cloud", "ipv6")].Outcome);
        Assert.Equal(("fail", "dns_nxdomain"), (r[("nx", "ipv4")].Outcome, r[("nx", "ipv4")].Reason));
        Assert.Equal(("pass", "ok"), (r[("time", "ipv4")].Outcome, r[("time", "ipv4")].Reason));
        Assert.Contains("stratum 8", r[("time", "ipv4")].Detail);
        Assert.False(r.ContainsKey(("time", "ipv6"))); // ntp.lab.test has no AAAA: no IPv6 row
    }

    /// <summary>
    /// The system resolver (getaddrinfo) inside a namespace whose resolv.conf points at dnsmasq:
    /// NXDOMAIN, REFUSED, and a name without AAAA must come out as dns_nxdomain, dns_servfail and
    /// dns_no_address (glibc's EAI_NODATA, which .NET reports as HostNotFound).
    /// </summary>
    [RootFactRequiring("dnsmasq")]
    public void System_resolver_tells_nxdomain_from_no_address_and_refused()
    {
        using var ns = new NetNs("emdns");
        using var files = new SystemResolverNamespace(ns);
        using var dns = DnsmasqServer.StartInNamespace(ns,
            "--host-record=onlya.lab.test,127.0.0.3", "--host-record=both.lab.test,127.0.0.2,::1", "--local=/lab.test/");
        var r = Check("""
            { "probe": { "timeoutMs": 3000 },
              "targets": [
                { "id": "onlya", "kind": "dns", "host": "onlya.lab.test", "port": 53 },
                { "id": "both", "kind": "dns", "host": "both.lab.test", "port": 53 },
                { "id": "nx", "kind": "dns", "host": "gone.lab.test", "port": 53 },
                { "id": "refused", "kind": "dns", "host": "elsewhere.example", "port": 53 },
                { "id": "tcp-onlya", "kind": "tcp", "host": "onlya.lab.test", "port": 9 } ] }
            """, wrapIn: ["ip", .. ns.Wrap()]);
        Assert.Equal("pass", r[("onlya", "ipv4")].Outcome);
        Assert.False(r.ContainsKey(("onlya", "ipv6"))); // no AAAA: no IPv6 presence, no failing row
        Assert.Equal("pass", r[("both", "ipv6")].Outcome);
        Assert.Equal("dns_nxdomain", r[("nx", "ipv4")].Reason);
        Assert.Equal("dns_nxdomain", r[("nx", "ipv6")].Reason);
        Assert.Equal("dns_servfail", r[("refused", "ipv4")].Reason);
        Assert.Equal("tcp_refused", r[("tcp-onlya", "ipv4")].Reason);
        // No AAAA: the service has no IPv6 presence, so no IPv6 row (not a dns_nxdomain failure).
        Assert.False(r.ContainsKey(("tcp-onlya", "ipv6")));
    }
    /// <summary>
    /// DNS silently dropped with the system resolver: getaddrinfo blocks its thread for its own
    /// retries, far past our timeout. Every name must still end as dns_timeout at our limit, and
    /// a target that needs no DNS must not starve behind them.
    /// </summary>
    [RootFact]
    public void System_resolver_with_dropped_dns_times_out_without_starving_other_probes()
    {
        using var ns = new NetNs("emdrop");
        using var files = new SystemResolverNamespace(ns);
        File.WriteAllText(Path.Combine("/etc/netns", ns.Name, "resolv.conf"), "nameserver 127.0.0.1\noptions timeout:5 attempts:2\n");
        ns.Nft("""
            table inet fw {
              chain input { type filter hook input priority 0; udp dport 53 drop; tcp dport 53 drop; }
            }
            """);
        string targets = string.Join(",\n", Enumerable.Range(0, 40).Select(i =>
            $$"""{ "id": "n{{i}}", "kind": "tcp", "host": "n{{i}}.lab.test", "port": 443 }"""));
        var r = Check($$"""
            { "probe": { "timeoutMs": 1500, "ipv6": "off" },
              "targets": [ {{targets}},
                { "id": "bare-ip", "kind": "tcp", "host": "127.0.0.1", "port": 9 } ] }
            """, wrapIn: ["ip", .. ns.Wrap()]);
        for (int i = 0; i < 40; i++)
            Assert.Equal("dns_timeout", r[($"n{i}", "any")].Reason);
        Assert.Equal("tcp_refused", r[("bare-ip", "ipv4")].Reason);
    }
}

/// <summary>Root (namespaces) and programs: skipped, never passed, when either is missing.</summary>
[Xunit.Sdk.XunitTestCaseDiscoverer(EdgeMonitor.Tests.Infrastructure.RequiredUnderCiDiscoverer.TypeName, EdgeMonitor.Tests.Infrastructure.RequiredUnderCiDiscoverer.Assembly)]
public sealed class RootFactRequiringAttribute : FactAttribute
{
    public RootFactRequiringAttribute(params string[] programs)
    {
        if (!Posix.IsRoot)
            Skip = "needs root for network namespaces";
        else if (programs.FirstOrDefault(p => RequiresFactAttribute.Which(p) is null) is { } missing)
            Skip = $"needs {missing} (scripts/install-deps.sh installs it)";
    }
}

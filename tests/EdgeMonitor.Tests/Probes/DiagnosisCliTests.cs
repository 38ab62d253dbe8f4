using System.Text.Json;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Probes;

/// <summary>
/// The real program on the built-in profiles, each time inside a fresh namespace that reaches
/// nothing outside it: a DNS filter answering 0.0.0.0 and ::, and a box with no uplink at all.
/// </summary>
public sealed class DiagnosisCliTests
{
    private static string Config(string json)
    {
        string file = Path.Combine(TempDir.Create("diag"), "edgemonitor.json");
        File.WriteAllText(file, json);
        return file;
    }

    private static List<(string Target, string Family, string Reason, string Detail)> Results(string stdout)
    {
        using var doc = JsonDocument.Parse(stdout);
        return doc.RootElement.GetProperty("results").EnumerateArray().Select(r => (
            r.GetProperty("target").GetString()!, r.GetProperty("family").GetString()!,
            r.GetProperty("reason").GetString()!, r.GetProperty("detail").GetString()!)).ToList();
    }

    /// <summary>
    /// A DNS filter (dnsmasq) sinkholes the vendor's domain to 0.0.0.0 and ::, and answers a
    /// private address for another vendor name. Every such row is dns_filtered, never tcp_* against
    /// the sinkhole; a custom target on the LAN keeps its private address; probe.lab accepts it.
    /// </summary>
    [RootFactRequiring("dnsmasq")]
    public void Dns_filter_answers_are_dns_filtered_never_tcp()
    {
        using var ns = new NetNs("emflt");
        using var files = new SystemResolverNamespace(ns);
        using var dns = DnsmasqServer.StartInNamespace(ns,
            "--address=/disruptive-technologies.com/0.0.0.0", "--address=/disruptive-technologies.com/::",
            "--host-record=ccon-manager.prod.disruptive-technologies.com,10.20.30.40",
            "--host-record=printer.lab.test,10.20.30.41", "--host-record=sink.lab.test,0.0.0.0");
        string config = Config("""
            { "profiles": ["dt-ccon-gen2"], "probe": { "timeoutMs": 1500, "ipv6": "optional" },
              "targets": [
                { "id": "lan-printer", "kind": "tcp", "host": "printer.lab.test", "port": 9100 },
                { "id": "sinkholed", "kind": "tcp", "host": "sink.lab.test", "port": 443 } ] }
            """);
        var (exit, stdout, stderr) = EdgeMonitorCli.Run(["check", "--config", config, "--json"], wrapIn: ["ip", .. ns.Wrap()]);
        Assert.True(exit == 2, $"exit {exit}: {stdout}{stderr}");
        var results = Results(stdout);
        var dt = results.Where(r => r.Detail.Contains("disruptive-technologies.com resolved to", StringComparison.Ordinal)).ToList();
        Assert.Contains(dt, r => r.Detail.Contains("0.0.0.0 (unspecified)", StringComparison.Ordinal));
        Assert.Contains(dt, r => r.Detail.Contains(":: (unspecified)", StringComparison.Ordinal));
        Assert.Contains(dt, r => r.Target == "ccon-manager" && r.Detail.Contains("10.20.30.40 (private)", StringComparison.Ordinal));
        // Every vendor name of the DT domain is a DNS verdict; not one row blames TCP or TLS at the sinkhole.
        Assert.DoesNotContain(results, r => r.Detail.Contains("0.0.0.0:", StringComparison.Ordinal) || r.Detail.Contains("[::]:", StringComparison.Ordinal));
        Assert.All(results.Where(r => r.Target is "ccon-manager" or "est" or "mender" or "mender-artifacts"),
            r => Assert.True(r.Reason == "dns_filtered", $"{r}"));
        // A custom target: the LAN address is its own business (tcp verdict), the unspecified one is a filter.
        Assert.Equal("tcp_unreachable", Assert.Single(results, r => r.Target == "lan-printer" && r.Family == "ipv4").Reason);
        Assert.Equal("dns_filtered", Assert.Single(results, r => r.Target == "sinkholed" && r.Family != "ipv6").Reason);

        // probe.lab: a lab answers vendor names with lab addresses on purpose; the private one is probed.
        string lab = Config("""{ "profiles": ["dt-ccon-gen2"], "probe": { "timeoutMs": 1500, "lab": true } }""");
        (exit, stdout, stderr) = EdgeMonitorCli.Run(["check", "--config", lab, "--json"], wrapIn: ["ip", .. ns.Wrap()]);
        var labResults = Results(stdout);
        Assert.True(labResults.Count > 0, stdout + stderr);
        Assert.Equal("tcp_unreachable", labResults.First(r => r.Target == "ccon-manager" && r.Family == "ipv4").Reason);
        // The sinkhole is no lab address: still a filter.
        Assert.Equal("dns_filtered", labResults.First(r => r.Target == "mender").Reason);
    }

    /// <summary>
    /// No uplink: a namespace with only loopback, its resolver an address with no route. The
    /// resolver failure is dns_unreachable at once (not a timeout), and the table says "uplink
    /// down" once at the top instead of a row per target; --wide still lists them all.
    /// </summary>
    [RootFact]
    public void No_uplink_is_said_once_at_the_top()
    {
        using var ns = new NetNs("emupl");
        using var files = new SystemResolverNamespace(ns);
        File.WriteAllText(Path.Combine("/etc/netns", ns.Name, "resolv.conf"), "nameserver 192.0.2.53\noptions timeout:1 attempts:1\n");
        string config = Config("""{ "profiles": ["dt-ccon-gen2", "cloudtrax-ap"], "probe": { "timeoutMs": 2000 } }""");

        var (exit, stdout, stderr) = EdgeMonitorCli.Run(["check", "--config", config, "--json"], wrapIn: ["ip", .. ns.Wrap()]);
        var results = Results(stdout);
        Assert.True(results.Count > 20, stdout + stderr);
        Assert.Contains(results, r => r.Reason == "dns_unreachable");
        Assert.DoesNotContain(results, r => r.Reason == "dns_timeout" && r.Detail.Contains("Unreachable", StringComparison.Ordinal));

        (exit, stdout, stderr) = EdgeMonitorCli.Run(["check", "--config", config], wrapIn: ["ip", .. ns.Wrap()]);
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines[0] == $"config: {config}", stdout);
        Assert.StartsWith("UPLINK DOWN:", lines[1]);
        Assert.Contains("dns_unreachable", lines[1]);
        Assert.True(lines.Length < 8, stdout);
        Assert.StartsWith("overall: failing (uplink_down)", lines[^1]);

        (_, stdout, _) = EdgeMonitorCli.Run(["check", "--config", config, "--wide"], wrapIn: ["ip", .. ns.Wrap()]);
        Assert.True(stdout.Split('\n').Count(l => l.Contains("dns_unreachable", StringComparison.Ordinal)) > 20, stdout);
    }

    /// <summary>Rows fit the terminal's width with an ellipsis; --wide prints them whole.</summary>
    [Fact]
    public void Rows_fit_the_width_and_wide_shows_all()
    {
        string config = Config("""
            { "probe": { "timeoutMs": 500 },
              "targets": [ { "id": "closed", "kind": "tcp", "host": "127.0.0.1", "port": 9 } ] }
            """);
        var env = new Dictionary<string, string> { ["COLUMNS"] = "60" };
        var (_, cut, _) = EdgeMonitorCli.Run(["check", "--config", config], env: env);
        Assert.All(cut.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("overall", StringComparison.Ordinal) && !l.StartsWith("config:", StringComparison.Ordinal)), l => Assert.True(l.Length <= 60, l));
        Assert.Contains("…", cut);
        var (_, wide, _) = EdgeMonitorCli.Run(["check", "--config", config, "--wide"], env: env);
        Assert.Contains("127.0.0.1:9", wide);
        Assert.DoesNotContain("…", wide);
    }

    /// <summary>Every verb reads the daemon's file: $CONFIGURATION_DIRECTORY/edgemonitor.json, named on the first line.</summary>
    [Fact]
    public void Check_reads_the_configuration_directory_like_the_daemon()
    {
        string config = Config("""
            { "probe": { "timeoutMs": 500 },
              "targets": [ { "id": "site-own", "kind": "tcp", "host": "127.0.0.1", "port": 9 } ] }
            """);
        var env = new Dictionary<string, string> { ["CONFIGURATION_DIRECTORY"] = Path.GetDirectoryName(config)! };
        var (_, stdout, stderr) = EdgeMonitorCli.Run(["check"], env: env);
        Assert.True(stdout.StartsWith($"config: {config}\n", StringComparison.Ordinal), stdout + stderr);
        Assert.Contains("site-own", stdout);
        var (_, allowlist, _) = EdgeMonitorCli.Run(["allowlist", "--format", "text"], env: env);
        Assert.Contains($"config: {config}", allowlist.Split('\n')[0]);
    }
}

using System.Diagnostics;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Lab;

/// <summary>
/// The firewall lab end to end: scripts/lab/run-scenarios builds the site/fw/inet/other
/// namespaces with the real servers, applies real nftables policies in fw (vendor-guide: OpenWrt
/// fw4's ruleset with the generated allowlist snippet, checked to drop for the site segment only)
/// and runs the real edgemonitor in site. A subset of the scenarios keeps this test to about a minute.
/// </summary>
public sealed class FirewallLabTests
{
    // Every policy of scripts/lab/scenarios.tsv: the whole table runs in CI.
    private static readonly string[] Scenarios = ["open", "drop-443-one-name", "vendor-guide", "reject-443", "dns-blocked",
        "ntp-blocked", "tls-proxy", "sni-filter", "conntrack-short", "ipv6-broken", "corp-reachable"];

    [LabFact("nft", "dnsmasq", "nginx", "chronyd", "mosquitto", "openssl", "jq", "perl")]
    public void Scenarios_show_the_expected_status_and_reason()
    {
        var (dotnet, args) = EdgeMonitorCli.Command([]);
        string em = string.Join(' ', [dotnet, .. args]);
        string runner = Path.Combine(LabPaths.RepoRoot(), "scripts", "lab", "run-scenarios");
        var psi = new ProcessStartInfo(runner, ["--only", string.Join(',', Scenarios), "--deadline", "60"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["EDGEMONITOR"] = em;
        psi.Environment["LAB_ID"] = $"t{Environment.ProcessId % 100000}";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            // TERM first: the runner's trap tears the namespaces down.
            _ = Posix.Kill(p.Id, Posix.SIGTERM);
            if (!p.WaitForExit(TimeSpan.FromSeconds(20)))
                p.Kill(true);
            Assert.Fail($"run-scenarios did not finish in 10 minutes:\n{stdout.Result}\n{stderr.Result}");
        }
        p.WaitForExit();
        string output = stdout.Result + "\n" + stderr.Result;
        Assert.True(p.ExitCode == 0, $"run-scenarios exited {p.ExitCode}:\n{output}");
        foreach (string s in Scenarios)
            Assert.Matches($@"\| {s} +\| .+ \| \d+\.\d s +\|", stdout.Result);
        Assert.Contains("0 mismatched", stdout.Result);

        // Torn down: no namespace of this run is left.
        string left = Sh.Run("ip", "netns", "list");
        Assert.DoesNotContain($"emls{psi.Environment["LAB_ID"]}", left);
        Assert.DoesNotContain($"emli{psi.Environment["LAB_ID"]}", left);
        Assert.DoesNotContain($"emlo{psi.Environment["LAB_ID"]}", left);
    }
}

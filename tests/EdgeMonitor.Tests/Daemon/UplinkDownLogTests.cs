using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeMonitor.Tests.Daemon;

/// <summary>
/// README "Status rules": when nothing gets out of the box, `uplink_down` is said once. Here for
/// the daemon's log (the table has its test in DiagnosisCliTests): the real `run` on the
/// built-in profiles in a namespace the test creates, with only loopback and a resolver it cannot reach.
/// </summary>
public sealed class UplinkDownLogTests(ITestOutputHelper output)
{
    [RootFact]
    public void The_daemon_logs_uplink_down_once_not_once_per_target_or_group()
    {
        using var ns = new NetNs("emupd");
        using var files = new SystemResolverNamespace(ns);
        File.WriteAllText(Path.Combine("/etc/netns", ns.Name, "resolv.conf"), "nameserver 192.0.2.53\noptions timeout:1 attempts:1\n");
        using var d = new DaemonHarness("""
            { "profiles": ["dt-ccon-gen2", "cloudtrax-ap"], "probe": { "timeoutMs": 2000 }, "logging": { "level": "Information" },
              "monitor": { "intervalSeconds": 2, "jitter": 0, "failuresToFail": 1, "successesToRecover": 1 } }
            """);
        d.Start(wrapIn: ["ip", .. ns.Wrap()]);
        d.WaitForStatus(s => s.GetProperty("reason").GetString() == "uplink_down" && !s.GetProperty("stale").GetBoolean(),
            "overall uplink_down", 90);
        // Several more 2 s cycles (status.json is rewritten only on a change), each failing the same way: still one line.
        Thread.Sleep(8000);
        Assert.Equal(0, d.Terminate());

        string[] lines = d.Process!.Output.Split('\n');
        output.WriteLine(d.Process.Output);
        var uplink = Assert.Single(lines, l => l.Contains("uplink_down", StringComparison.Ordinal));
        Assert.Contains("overall unknown -> failing (uplink_down)", uplink);
        Assert.DoesNotContain(lines, l => l.Contains(" -> failing", StringComparison.Ordinal) && l != uplink);
        Assert.DoesNotContain(lines, l => l.Contains("target ", StringComparison.Ordinal) && l.Contains(" fail (", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("dns_unreachable", StringComparison.Ordinal));
    }
}

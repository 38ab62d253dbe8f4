using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Probes;

/// <summary>What a `dns` target must not pass, and names the system resolver cannot take (issue 17).</summary>
public sealed class DnsHostileAnswerTests
{
    private static Target Dns(string host) =>
        new("test", "dns", "dns", host, 53, Requirement.Required, Role.Primary, "g", "test");

    [RequiresFact("dnsmasq")]
    public async Task A_filter_answering_the_unspecified_address_fails_the_dns_target_on_both_families()
    {
        // dnsmasq answers 0.0.0.0 and :: for a name given the null address, as DNS filters do.
        using var filter = DnsmasqServer.Start("--address=/blocked.lab.test/#", "--address=/fine.lab.test/127.0.0.9",
            "--address=/fine.lab.test/::9");
        var runner = new ProbeRunner(new ProbeEnvironment
        {
            Resolver = new ServerResolver(filter.Endpoint),
            Timeout = TimeSpan.FromMilliseconds(1500),
        });
        var blocked = await runner.RunAsync(Dns("blocked.lab.test"), default);
        Assert.True(blocked.Count == 2, string.Join("\n", blocked.Select(r => $"{r.Family} {r.Reason.ToCode()} {r.Detail}")));
        Assert.All(blocked, r =>
        {
            Assert.False(r.Pass, r.Detail);
            Assert.Contains("DNS filter", r.Detail);
        });
        Assert.Contains(blocked, r => r.Detail.Contains("0.0.0.0"));
        Assert.Contains(blocked, r => r.Detail.Contains("::"));
        // The control: the same server's real answers pass.
        Assert.All(await runner.RunAsync(Dns("fine.lab.test"), default), r => Assert.True(r.Pass, r.Detail));
    }

    [Fact]
    public async Task A_name_longer_than_dns_allows_is_an_answer_not_a_crash()
    {
        string name = string.Join('.', Enumerable.Repeat(new string('a', 60), 5)) + ".test"; // 309 characters
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        DnsAnswer a = await new SystemResolver().ResolveAsync(name, Family.IPv4, cts.Token);
        Assert.Equal(Reason.DnsNxdomain, a.Reason);
        Assert.Contains("253", a.Detail);
    }

    [Fact]
    public void Check_refuses_a_custom_target_with_such_a_name_as_a_config_error()
    {
        string name = new string('a', 300) + ".test";
        string file = Path.Combine(TempDir.Create("longname"), "c.json");
        File.WriteAllText(file, $$"""{ "targets": [ { "id": "x", "kind": "dns", "host": "{{name}}", "port": 53 } ] }""");
        var (exit, _, stderr) = EdgeMonitorCli.Run(["check", "--config", file]);
        Assert.Equal(78, exit);
        Assert.Contains("$.targets[0].host", stderr);
    }
}

using EdgeMonitor.Cli;
using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.ConfigFiles;

/// <summary>Bad configs are fixture files (testdata/invalid-*.json); each names its JSON path in the error.</summary>
public sealed class ConfigLoaderTests
{
    private static string Data(string name) => Path.Combine(AppContext.BaseDirectory, "Configuration", "testdata", name);

    public static TheoryData<string, string, string> Invalid => new()
    {
        { "invalid-unknown-key.json", "$.probe", "retries" },
        { "invalid-unknown-profile.json", "$.profiles[1]", "cloudtrax-acesspoint" },
        { "invalid-bad-port.json", "$.targets[0].port", "1..65535" },
        { "invalid-bad-kind.json", "$.targets[0].kind", "icmp" },
        { "invalid-address-map.json", "$.addressMap", "lab-host" },
        { "invalid-syntax.json", "$.profiles", "line 1" },
        { "invalid-type.json", "$.probe.timeoutMs", "must be a whole number, not text \"fast\"" },
        { "invalid-requirement-override.json", "$.requirements.cloudtrax-ap/no-such-target", "no such target" },
        { "invalid-duplicate-target.json", "$.targets", "defined twice" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Invalid_file_is_refused_with_file_path_and_reason(string file, string jsonPath, string mentions)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigOption.Load(Data(file)));
        Assert.Contains(file, e.Message);
        Assert.StartsWith(jsonPath, e.JsonPath);
        Assert.Contains(mentions, e.Message);
    }

    [Fact]
    public void Valid_file_with_comments_and_trailing_commas_builds_targets_and_overrides()
    {
        var c = ConfigOption.Load(Data("valid-everything.json"));
        var targets = TargetCatalog.Build(c);
        var tunnel = targets.Single(t => t.Key == "cloudtrax-ap/support-tunnel");
        Assert.Equal((Requirement.Blocked, "blocked"), (tunnel.Requirement, tunnel.Kind));
        Assert.Contains(targets, t => t.Key == "custom/corp-lan" && t.Group == "zero-trust");
        // A DHCP-advertised NTP server replaces the DT pools.
        Assert.DoesNotContain(targets, t => t.Host.Contains("resinio"));
        Assert.Contains(targets, t => t.Key == "dt-ccon/ntp-dhcp" && t.Host == "127.0.0.1" && t.Port == 1123);
    }

    [Fact]
    public void Embedded_default_loads_and_names_every_profile()
    {
        var c = ConfigOption.Load(null);
        Assert.Equal(EdgeMonitor.Profiles.BuiltInProfiles.All.Select(p => p.Name), c.Profiles);
        Assert.NotEmpty(TargetCatalog.Build(c));
    }

    [Fact]
    public void Cli_exits_78_on_a_bad_file_and_64_on_bad_usage()
    {
        var (exit, _, stderr) = EdgeMonitorCli.Run(["check", "--config", Data("invalid-unknown-key.json")]);
        Assert.Equal(78, exit);
        Assert.Contains("$.probe", stderr);
        Assert.Contains("invalid-unknown-key.json", stderr);

        (exit, _, stderr) = EdgeMonitorCli.Run(["check", "--frobnicate"]);
        Assert.Equal(64, exit);
        Assert.Contains("--frobnicate", stderr);

        (exit, _, stderr) = EdgeMonitorCli.Run(["check", "--profile", "cloudtrax-acesspoint"]);
        Assert.Equal(64, exit);
        Assert.Contains("unknown profile 'cloudtrax-acesspoint'", stderr);

        (exit, _, _) = EdgeMonitorCli.Run(["no-such-verb"]);
        Assert.Equal(64, exit);
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Profiles;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Profiles;

/// <summary>The built-in profiles against the vendor guides in ../shared/seeds (CI has them beside the clone).</summary>
public sealed partial class ProfilesTests
{
    private static string SeedsDir()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "shared", "seeds");
            if (Directory.Exists(candidate))
                return candidate;
        }
        throw new DirectoryNotFoundException("shared/seeds not found beside the repository (CI clones main with ../shared beside it)");
    }

    [GeneratedRegex(@"\b(?:[a-z0-9_-]+\.)+(?:com|org|io)\b|\b\d{1,3}(?:\.\d{1,3}){3}\b")]
    private static partial Regex HostOrIp();

    [Fact]
    public void Every_host_and_ip_in_the_guides_is_a_target()
    {
        var hosts = BuiltInProfiles.All.SelectMany(p => p.Targets).Select(t => t.Host).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var missing = new List<string>();
        foreach (string file in Directory.GetFiles(SeedsDir(), "*.txt"))
        {
            string text = File.ReadAllText(file);
            // Expand the guides' brace shorthands: time{1,2,3,4}.google.com, {1,2,3,4}.resinio.pool.ntp.org.
            text = Regex.Replace(text, @"(\S*)\{([\d,]+)\}(\S*)", m =>
                string.Join(' ', m.Groups[2].Value.Split(',').Select(n => m.Groups[1].Value + n + m.Groups[3].Value)));
            foreach (Match m in HostOrIp().Matches(text))
            {
                string h = m.Value.TrimEnd('.');
                // Prose mentions that are not endpoints.
                if (h is "cloudtrax.com" || h.StartsWith("1.0.01", StringComparison.Ordinal))
                    continue;
                if (!hosts.Contains(h))
                    missing.Add($"{Path.GetFileName(file)}: {h}");
            }
        }
        Assert.True(missing.Count == 0, "not in any built-in profile:\n" + string.Join('\n', missing.Distinct()));
    }

    [Fact]
    public void Every_target_has_a_registered_kind_a_unique_key_and_a_note()
    {
        var keys = new HashSet<string>();
        foreach (var t in BuiltInProfiles.All.SelectMany(p => p.Targets))
        {
            Assert.True(ProbeKinds.Find(t.Kind) is not null, $"{t.Key}: kind '{t.Kind}' is not registered");
            Assert.True(keys.Add(t.Key), $"{t.Key} twice");
            Assert.False(string.IsNullOrWhiteSpace(t.Note), $"{t.Key} has no note");
        }
        string[] names = ["cloudtrax-ap", "cloudtrax-switch", "cloudtrax-router", "cloudtrax-legacy-4xx", "dt-ccon-gen2", "dt-ccon"];
        Assert.Equal(names, BuiltInProfiles.All.Select(p => p.Name));
    }

    [Fact]
    public void Ports_and_protocols_follow_the_guides()
    {
        var all = BuiltInProfiles.All.SelectMany(p => p.Targets).ToList();
        Assert.All(all.Where(t => t.Kind == "ntp"), t => Assert.Equal(123, t.Port));
        Assert.Contains(all, t => t.Host == "vpn.cloudtrax.com" && t.Port == 18991 && t.Requirement == Requirement.Optional);
        Assert.Contains(all, t => t.Host == "checkin.cloudtrax.com" && t.Port == 80);
        // Fallback ports are not stated in the guide: both readings are covered.
        Assert.Contains(all, t => t.Host == "54.245.251.231" && t.Port == 443 && t.Role == Role.Fallback);
        Assert.Contains(all, t => t.Host == "54.245.251.231" && t.Port == 80 && t.Role == Role.Fallback);
        // Both readings of the resinio pool numbering.
        for (int i = 0; i <= 4; i++)
            Assert.Contains(all, t => t.Host == $"{i}.resinio.pool.ntp.org");
        Assert.Contains(all, t => t.Host == "sds-receiver-grpc.prod.disruptive-technologies.com" && t.Alpn == "h2");
    }

    [Fact]
    public void Profiles_json_contract()
    {
        var (exit, stdout, stderr) = EdgeMonitorCli.Run(["profiles", "--json"]);
        Assert.True(exit == 0, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var profiles = doc.RootElement.GetProperty("profiles").EnumerateArray().ToList();
        Assert.Equal(6, profiles.Count);
        foreach (var p in profiles)
        {
            Assert.False(string.IsNullOrEmpty(p.GetProperty("description").GetString()));
            foreach (var t in p.GetProperty("targets").EnumerateArray())
            {
                foreach (string field in new[] { "id", "kind", "host", "transport", "requirement", "role", "group" })
                    Assert.Equal(JsonValueKind.String, t.GetProperty(field).ValueKind);
                Assert.Equal(JsonValueKind.Number, t.GetProperty("port").ValueKind);
                Assert.Contains(t.GetProperty("transport").GetString(), new[] { "tcp", "udp" });
            }
        }
    }
}

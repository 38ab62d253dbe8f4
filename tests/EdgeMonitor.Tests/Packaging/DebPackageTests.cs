using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Aot;
using EdgeMonitor.Tests.Infrastructure;
using EdgeMonitor.Tests.Probes;

namespace EdgeMonitor.Tests.Packaging;

/// <summary>The amd64 package, from the linux-x64 binary.</summary>
[Collection(AotCollection.Name)]
public sealed class Amd64DebPackageTests(AotBinaries binaries) : DebPackageTests(binaries.X64, "amd64");

/// <summary>The arm64 package (the Pi's), installed here through dpkg multiarch; its binary runs under qemu-user.</summary>
[Collection(AotCollection.Name)]
public sealed class Arm64DebPackageTests(AotBinaries binaries) : DebPackageTests(binaries.Arm64, "arm64");

/// <summary>
/// scripts/package-deb.sh on a published binary: lintian without errors, the files a box needs,
/// and a real `dpkg -i` / `dpkg --purge` in a throwaway copy of this machine (an overlay of / in
/// a private mount namespace, entered with chroot), so the host's packages and users are untouched.
/// </summary>
public abstract class DebPackageTests(AotBinary aot, string debArch)
{
    [RootFactRequiring("dpkg-deb", "lintian", "unshare", "chroot", "readelf")]
    public void Package_is_lintian_clean_installs_with_what_the_unit_names_and_purges()
    {
        string dir = TempDir.Create("deb");
        var (exit, stdout, stderr) = Sh.Capture(Path.Combine(AotBinary.RepoRoot(), "scripts", "package-deb.sh"),
            ["--binary", aot.Path, "--out", dir], TimeSpan.FromMinutes(10));
        Assert.True(exit == 0, $"package-deb.sh exited {exit}:\n{stdout}\n{stderr}");
        Assert.Contains("lintian: no errors", stdout); // lintian really ran
        string deb = Assert.Single(Directory.GetFiles(dir, $"edgemonitor_*_{debArch}.deb"));
        Assert.Equal(debArch, Sh.Run("dpkg-deb", "-f", deb, "Architecture").Trim());

        // Contents: everything the unit, sysusers and the docs need.
        var files = Sh.Run("dpkg-deb", "-c", deb).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[5].TrimStart('.')).ToHashSet();
        string[] shipped = ["/usr/bin/edgemonitor", "/lib/systemd/system/edgemonitor.service", "/usr/lib/sysusers.d/edgemonitor.conf",
            "/usr/lib/tmpfiles.d/edgemonitor.conf", "/etc/edgemonitor/edgemonitor.json", "/usr/share/doc/edgemonitor/README.md",
            "/usr/share/doc/edgemonitor/copyright", "/usr/share/man/man1/edgemonitor.1.gz"];
        foreach (string f in shipped)
            Assert.Contains(f, files);
        string tree = Path.Combine(dir, "tree");
        Sh.Run("dpkg-deb", "-x", deb, tree);
        string unit = File.ReadAllText(Path.Combine(tree, "lib/systemd/system/edgemonitor.service"));
        string sysusers = File.ReadAllText(Path.Combine(tree, "usr/lib/sysusers.d/edgemonitor.conf"));
        foreach (Match g in Regex.Matches(unit, @"^SupplementaryGroups=(.+)$", RegexOptions.Multiline))
        {
            foreach (string group in g.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                Assert.Matches($@"(?m)^g {group} ", sysusers);
        }
        // Every file the unit and the conffile name must exist on the installed box.
        var named = Regex.Matches(unit, @"^Documentation=file://(\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value)
            .Concat(Regex.Matches(unit, @"^Exec\w+=-?(/\S+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value))
            .Concat(Regex.Matches(File.ReadAllText(Path.Combine(tree, "etc/edgemonitor/edgemonitor.json")), @"(/usr/share/\S+)")
                .Select(m => m.Groups[1].Value))
            .Distinct().ToList();
        Assert.Contains("/usr/share/doc/edgemonitor/README.md", named);

        string run = string.Join(' ', aot.Launcher.Select(a => $"'{a}'"));
        string script = $$"""
            set -eu
            t=$(mktemp -d)
            mount -t tmpfs tmpfs "$t"
            mkdir "$t/upper" "$t/work" "$t/root"
            mount -t overlay overlay -o lowerdir=/,upperdir="$t/upper",workdir="$t/work" "$t/root"
            mount --bind /proc "$t/root/proc"
            # Only the harmless device nodes: the package's tmpfiles rule (chgrp /dev/gpiochip*)
            # must not reach this machine's devices.
            mount -t tmpfs tmpfs "$t/root/dev"
            for d in null zero random urandom; do touch "$t/root/dev/$d"; mount --bind "/dev/$d" "$t/root/dev/$d"; done
            cp '{{deb}}' "$t/root/tmp/edgemonitor.deb"
            c() { chroot "$t/root" "$@"; }
            c dpkg -i /tmp/edgemonitor.deb >&2
            echo "status=$(c dpkg-query -W -f='${Status}' edgemonitor)"
            echo "groups=$(c id -nG edgemonitor)"
            for p in {{string.Join(' ', named)}}; do if [ -e "$t/root$p" ]; then echo "exists $p"; else echo "missing $p"; fi; done
            echo "man=$(zcat "$t/root/usr/share/man/man1/edgemonitor.1.gz" | grep -c 'mqtt.topicPrefix' || true)"
            echo "version=$(c {{run}} /usr/bin/edgemonitor --version)"
            c dpkg --purge edgemonitor >&2
            echo "after=$(c dpkg-query -W -f='${Status}' edgemonitor 2>/dev/null || echo gone)"
            for p in /usr/bin/edgemonitor /etc/edgemonitor /var/lib/edgemonitor /lib/systemd/system/edgemonitor.service; do
              if [ -e "$t/root$p" ]; then echo "left $p"; fi
            done
            """;
        var install = Sh.Capture("unshare", ["-m", "bash", "-c", script], TimeSpan.FromMinutes(5));
        string report = $"{install.Stdout}\n{install.Stderr}";
        Assert.True(install.Exit == 0, $"install/purge exited {install.Exit}:\n{report}");
        var lines = install.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("status=install ok installed", lines);
        Assert.Contains("gpio", lines.Single(l => l.StartsWith("groups=")).Split(['=', ' ']));
        foreach (string p in named)
            Assert.True(lines.Contains($"exists {p}"), $"{p} (named by the unit or the config) is missing after install:\n{report}");
        Assert.DoesNotContain("man=0", lines);
        Assert.Contains($"version=edgemonitor {EdgeMonitor.Cli.Verbs.Version}", lines);
        Assert.True(lines.Any(l => l.StartsWith("after=") && !l.Contains("install ok installed")), report);
        Assert.DoesNotContain(lines, l => l.StartsWith("left "));
    }
}

/// <summary>The man page the packages ship says every configuration key and every MQTT topic.</summary>
public sealed class ManPageTests
{
    private static readonly string ManPage = File.ReadAllText(Path.Combine(AotBinary.RepoRoot(), "scripts", "packaging", "edgemonitor.1"));

    /// <summary>
    /// Keys of nested sections as dotted paths (mqtt.tls.caFile), members of list entries
    /// (targets, leds.indicators) by their own name: how the man page writes them.
    /// </summary>
    private static IEnumerable<string> Keys(Type type, string prefix)
    {
        // JSON keys only: settable, not [JsonIgnore] (derived values like NodeName).
        foreach (PropertyInfo p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
                     .Where(p => p.CanWrite && p.GetCustomAttribute<System.Text.Json.Serialization.JsonIgnoreAttribute>() is null))
        {
            string name = JsonNamingPolicy.CamelCase.ConvertName(p.Name);
            Type t = Nullable.GetUnderlyingType(p.PropertyType) ?? p.PropertyType;
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(List<>) && t.GetGenericArguments()[0].Namespace == typeof(EdgeMonitorConfig).Namespace)
            {
                yield return prefix + name;
                foreach (PropertyInfo e in t.GetGenericArguments()[0].GetProperties())
                    yield return JsonNamingPolicy.CamelCase.ConvertName(e.Name);
            }
            else if (t.IsClass && t.Namespace == typeof(EdgeMonitorConfig).Namespace)
            {
                foreach (string k in Keys(t, $"{prefix}{name}."))
                    yield return k;
            }
            else
            {
                yield return prefix + name;
            }
        }
    }

    [Fact]
    public void Every_configuration_key_is_in_the_man_page()
    {
        var keys = Keys(typeof(EdgeMonitorConfig), "").ToList();
        Assert.Contains("mqtt.tls.caFile", keys);
        Assert.All(keys, k => Assert.True(Regex.IsMatch(ManPage, $@"(?<![\w.]){Regex.Escape(k)}(?![\w])"), $"man page lacks {k}"));
    }

    [Fact]
    public void Every_mqtt_topic_of_the_readme_is_in_the_man_page()
    {
        string readme = File.ReadAllText(Path.Combine(AotBinary.RepoRoot(), "README.md"));
        var topics = Regex.Matches(readme, @"^\| `<(?:prefix|discoveryPrefix)>/([a-z_]+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.True(topics.Count >= 5, $"README topic table not found ({topics.Count} rows)");
        Assert.All(topics, t => Assert.Contains($"/{t}", ManPage));
    }
}

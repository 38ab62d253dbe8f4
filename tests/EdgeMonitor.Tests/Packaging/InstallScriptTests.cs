using EdgeMonitor.Tests.Aot;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Packaging;

/// <summary>
/// scripts/install.sh staged with --root: the manual install puts down what the .deb does (binary,
/// config, unit, sysusers, tmpfiles rule, README, man page) and every path the unit names exists.
/// </summary>
public sealed class InstallScriptTests
{
    private static readonly string Script = Path.Combine(AotBinary.RepoRoot(), "scripts", "install.sh");

    private static (int Exit, string Out) Install(params string[] args)
    {
        var (exit, stdout, stderr) = Sh.Capture(Script, args, TimeSpan.FromMinutes(1));
        return (exit, stdout + stderr);
    }

    [Fact]
    public void Staged_install_has_every_file_the_unit_names_and_keeps_an_edited_config()
    {
        string root = TempDir.Create("install-root");
        string binary = Path.Combine(TempDir.Create("install-bin"), "edgemonitor");
        File.WriteAllText(binary, "#!/bin/sh\necho edgemonitor 0.0.0\n");

        var (exit, output) = Install("--binary", binary, "--prefix", "/opt/em", "--root", root);
        Assert.True(exit == 0, output);
        foreach (string f in new[] { "opt/em/bin/edgemonitor", "etc/edgemonitor/edgemonitor.json",
                     "etc/systemd/system/edgemonitor.service", "etc/sysusers.d/edgemonitor.conf",
                     "etc/tmpfiles.d/edgemonitor.conf", "opt/em/share/doc/edgemonitor/README.md",
                     "opt/em/share/man/man1/edgemonitor.1.gz" })
            Assert.True(File.Exists(Path.Combine(root, f)), $"{f} missing after install.sh:\n{output}");

        string unit = File.ReadAllText(Path.Combine(root, "etc/systemd/system/edgemonitor.service"));
        Assert.Contains("ExecStart=/opt/em/bin/edgemonitor", unit);
        Assert.Contains("Documentation=file:///opt/em/share/doc/edgemonitor/README.md", unit);
        Assert.Contains("/opt/em/share/doc/edgemonitor/README.md",
            File.ReadAllText(Path.Combine(root, "etc/edgemonitor/edgemonitor.json")));
        Assert.Contains("/dev/gpiochip", File.ReadAllText(Path.Combine(root, "etc/tmpfiles.d/edgemonitor.conf")));

        // A second install keeps the admin's edits and writes the new default beside them.
        string config = Path.Combine(root, "etc/edgemonitor/edgemonitor.json");
        File.WriteAllText(config, "{ \"edited\": true }");
        (exit, output) = Install("--binary", binary, "--prefix", "/opt/em", "--root", root);
        Assert.True(exit == 0, output);
        Assert.Equal("{ \"edited\": true }", File.ReadAllText(config));
        Assert.True(File.Exists(config + ".new"), output);
    }

    [Fact]
    public void Missing_option_value_and_missing_binary_are_usage_errors()
    {
        var (exit, output) = Install("--root");
        Assert.Equal(64, exit);
        Assert.Contains("--root needs a value", output);

        (exit, output) = Install("--binary", "/nonexistent/edgemonitor", "--root", TempDir.Create("install-root"));
        Assert.Equal(66, exit);
        Assert.Contains("no binary at /nonexistent/edgemonitor", output);
    }
}

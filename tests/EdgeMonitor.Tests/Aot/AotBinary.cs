using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Aot;

/// <summary>
/// One NativeAOT edgemonitor binary for one runtime, made once per test run: prebuilt (a CI step
/// that already ran publish.sh: EDGEMONITOR_AOT_DIR holds RID/edgemonitor) or published here by
/// `publish.sh --rid RID` into a temp dir. A publish that fails fails every test of that runtime
/// with its output: a broken arm64 build fails the run. Binaries for another CPU run under
/// qemu-user with this machine's root as their sysroot (`qemu-aarch64 -L /`), which finds the
/// arm64 libraries Debian multiarch installed (scripts/install-deps.sh).
/// </summary>
public sealed class AotBinary
{
    public const string PrebuiltDirVar = "EDGEMONITOR_AOT_DIR";

    private readonly Lazy<string> _path;

    public AotBinary(string rid, string elfMachine, string[] launcher, string workDir)
    {
        Rid = rid;
        ElfMachine = elfMachine;
        Launcher = launcher;
        _path = new Lazy<string>(() => Make(workDir), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Rid { get; }

    /// <summary>readelf's name for the CPU the binary must be built for.</summary>
    public string ElfMachine { get; }

    /// <summary>What runs the binary on this machine: nothing, or qemu-user.</summary>
    public string[] Launcher { get; }

    /// <summary>Path of the native binary (published on first use).</summary>
    public string Path => _path.Value;

    /// <summary>The command line that runs the binary with these arguments.</summary>
    public string[] Command(params string[] args) => [.. Launcher, Path, .. args];

    private string Make(string workDir)
    {
        if (Environment.GetEnvironmentVariable(PrebuiltDirVar) is { Length: > 0 } given)
        {
            string prebuilt = System.IO.Path.Combine(given, Rid, "edgemonitor");
            return File.Exists(prebuilt) ? prebuilt : throw new InvalidOperationException($"{PrebuiltDirVar}={given}: no {Rid}/edgemonitor in it");
        }
        // Generous: ~1.5 min (x64) and ~3 min (arm64 cross link) on a loaded 2-core box.
        var (exit, stdout, stderr) = Sh.Capture(System.IO.Path.Combine(RepoRoot(), "publish.sh"),
            ["--rid", Rid, "--out", workDir], TimeSpan.FromMinutes(15));
        string binary = System.IO.Path.Combine(workDir, Rid, "edgemonitor");
        if (exit != 0 || !File.Exists(binary))
            throw new InvalidOperationException($"publish.sh --rid {Rid} exited {exit}:\n{stdout}\n{stderr}");
        return binary;
    }

    /// <summary>The checkout: the first directory above the test binaries holding publish.sh.</summary>
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(d.FullName, "publish.sh")) && Directory.Exists(System.IO.Path.Combine(d.FullName, "src")))
                return d.FullName;
        }
        throw new InvalidOperationException($"no publish.sh above {AppContext.BaseDirectory}");
    }

    /// <summary>Runs the binary to completion (bounded): exit code, stdout, stderr.</summary>
    public (int Exit, string Stdout, string Stderr) Run(IEnumerable<string> args, string[]? wrapIn = null, TimeSpan? within = null)
    {
        string[] command = [.. wrapIn ?? [], .. Command([.. args])];
        // The native binary must need no .NET install: hide any the test host has.
        return Sh.Capture(command[0], command[1..], within ?? TimeSpan.FromSeconds(120),
            [new("DOTNET_ROOT", null), new("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")]);
    }
}

/// <summary>The two binaries the product ships, each published at most once per test run.</summary>
public sealed class AotBinaries : IDisposable
{
    private readonly string _workDir = TempDir.Create("aot");

    public AotBinaries()
    {
        X64 = new AotBinary("linux-x64", "X86-64", [], _workDir);
        // No skip when qemu is missing: the arm64 binary is a product, its tests must run.
        string qemu = RequiresFactAttribute.Which("qemu-aarch64") ?? "qemu-aarch64 (not installed: scripts/install-deps.sh)";
        Arm64 = new AotBinary("linux-arm64", "AArch64", [qemu, "-L", "/"], _workDir);
    }

    public AotBinary X64 { get; }

    public AotBinary Arm64 { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_workDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AotCollection : ICollectionFixture<AotBinaries>
{
    public const string Name = "aot";
}

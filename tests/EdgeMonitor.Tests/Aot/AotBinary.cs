using System.Diagnostics;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Aot;

/// <summary>
/// The NativeAOT edgemonitor binary, made once per test run: either given prebuilt through
/// EDGEMONITOR_AOT_BINARY (a CI step that already ran publish.sh) or published here by
/// `publish.sh --rid linux-x64 --framework net9.0` (the one AOT build this machine's NuGet mirror
/// can do) into a temp dir. A publish that fails fails every test of the collection with its output.
/// </summary>
public sealed class AotBinary : IDisposable
{
    public const string EnvVar = "EDGEMONITOR_AOT_BINARY";

    private readonly Lazy<string> _path;
    private string? _tempDir;

    public AotBinary() => _path = new Lazy<string>(Make, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Path of the native binary (published on first use).</summary>
    public string Path => _path.Value;

    private string Make()
    {
        if (Environment.GetEnvironmentVariable(EnvVar) is { Length: > 0 } given)
        {
            if (!File.Exists(given))
                throw new InvalidOperationException($"{EnvVar}={given}: no such file");
            return given;
        }
        string root = RepoRoot();
        _tempDir = TempDir.Create("aot");
        var psi = new ProcessStartInfo(System.IO.Path.Combine(root, "publish.sh"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = root,
        };
        foreach (string a in new[] { "--rid", "linux-x64", "--framework", "net9.0", "--out", _tempDir })
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        // Generous: the publish takes ~15 s on an idle 2-core box, far more on a loaded one.
        if (!p.WaitForExit((int)TimeSpan.FromMinutes(10).TotalMilliseconds))
        {
            p.Kill(true);
            throw new TimeoutException($"publish.sh did not finish:\n{stdout}\n{err.Result}");
        }
        p.WaitForExit();
        string binary = System.IO.Path.Combine(_tempDir, "linux-x64", "edgemonitor");
        if (p.ExitCode != 0 || !File.Exists(binary))
            throw new InvalidOperationException($"publish.sh exited {p.ExitCode}:\n{stdout}\n{err.Result}");
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
        string[] command = [.. wrapIn ?? [], Path, .. args];
        // The native binary must need no .NET install: hide any the test host has.
        return Sh.Capture(command[0], command[1..], within ?? TimeSpan.FromSeconds(120),
            [new("DOTNET_ROOT", null), new("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")]);
    }

    public void Dispose()
    {
        if (_tempDir is not null)
        {
            try
            {
                Directory.Delete(_tempDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AotCollection : ICollectionFixture<AotBinary>
{
    public const string Name = "aot";
}



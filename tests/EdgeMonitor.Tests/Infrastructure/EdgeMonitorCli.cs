using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Infrastructure;

/// <summary>Runs the real edgemonitor program (the build next to the tests) as a separate process.</summary>
public static class EdgeMonitorCli
{
    /// <summary>The built entry assembly, copied beside the tests by the project reference.</summary>
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "edgemonitor.dll");

    /// <summary>`dotnet edgemonitor.dll ARGS`, optionally wrapped (e.g. in `ip netns exec`).</summary>
    public static (string File, string[] Args) Command(IEnumerable<string> args, string[]? wrapIn = null)
    {
        string dotnet = Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : "dotnet";
        string[] inner = [dotnet, Dll, .. args];
        return wrapIn is null ? (inner[0], inner[1..]) : (wrapIn[0], [.. wrapIn[1..], .. inner]);
    }

    public static ServerProcess Start(IEnumerable<string> args, IDictionary<string, string>? env = null, string[]? wrapIn = null)
    {
        var (file, a) = Command(args, wrapIn);
        return ServerProcess.Start(file, a, env: env);
    }

    /// <summary>Runs to completion (bounded) and returns exit code, stdout and stderr.</summary>
    public static (int Exit, string Stdout, string Stderr) Run(IEnumerable<string> args, TimeSpan? within = null,
        string[]? wrapIn = null, IDictionary<string, string>? env = null)
    {
        var (file, a) = Command(args, wrapIn);
        return Sh.Capture(file, a, within ?? TimeSpan.FromSeconds(60), env?.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)));
    }
}

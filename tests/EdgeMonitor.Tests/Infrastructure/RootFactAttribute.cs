using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Infrastructure;

/// <summary>A test that needs root (network namespaces, nftables): reported as skipped, never as passed, without it.</summary>
[Xunit.Sdk.XunitTestCaseDiscoverer(EdgeMonitor.Tests.Infrastructure.RequiredUnderCiDiscoverer.TypeName, EdgeMonitor.Tests.Infrastructure.RequiredUnderCiDiscoverer.Assembly)]
public sealed class RootFactAttribute : FactAttribute
{
    public RootFactAttribute()
    {
        if (!Posix.IsRoot)
            Skip = "needs root for network namespaces and nftables";
    }
}

/// <summary>A test that needs an external program (a Debian package scripts/install-deps.sh installs).</summary>
[Xunit.Sdk.XunitTestCaseDiscoverer(EdgeMonitor.Tests.Infrastructure.RequiredUnderCiDiscoverer.TypeName, EdgeMonitor.Tests.Infrastructure.RequiredUnderCiDiscoverer.Assembly)]
public sealed class RequiresFactAttribute : FactAttribute
{
    public RequiresFactAttribute(params string[] programs)
    {
        foreach (string p in programs)
        {
            if (Which(p) is null)
            {
                Skip = $"needs {p} (scripts/install-deps.sh installs it)";
                break;
            }
        }
    }

    public static string? Which(string program)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Concat(["/usr/sbin", "/sbin"]))
        {
            string f = Path.Combine(dir, program);
            if (File.Exists(f))
                return f;
        }
        return null;
    }
}

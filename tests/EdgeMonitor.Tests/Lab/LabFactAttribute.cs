using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Lab;

/// <summary>Needs root (namespaces, nftables) and the named programs: skipped, never passed, without them.</summary>
[Xunit.Sdk.XunitTestCaseDiscoverer(EdgeMonitor.Tests.Infrastructure.RequiredUnderCiDiscoverer.TypeName, EdgeMonitor.Tests.Infrastructure.RequiredUnderCiDiscoverer.Assembly)]
public sealed class LabFactAttribute : FactAttribute
{
    public LabFactAttribute(params string[] programs)
    {
        if (!new RootFactAttribute().Skip.IsNullOrEmpty())
        {
            Skip = "needs root for network namespaces and nftables";
            return;
        }
        Skip = new RequiresFactAttribute(programs).Skip;
    }
}

internal static class StringExtensions
{
    public static bool IsNullOrEmpty(this string? s) => string.IsNullOrEmpty(s);
}

using EdgeMonitor.Net;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace EdgeMonitor.Tests.Infrastructure;

/// <summary>
/// Under CI every test runs: a test whose requirement (root, a program) is missing fails with
/// the skip reason instead of skipping, so a green CI run is never a run that proved less.
/// .ci/run sets EDGEMONITOR_REQUIRE_ALL=1 (CI=true, as hosted CI sets it, counts too).
/// Every test attribute that can skip names this discoverer.
/// </summary>
public sealed class RequiredUnderCiDiscoverer(IMessageSink diagnostics) : IXunitTestCaseDiscoverer
{
    public const string TypeName = "EdgeMonitor.Tests.Infrastructure.RequiredUnderCiDiscoverer";
    public const string Assembly = "EdgeMonitor.Tests";

    public static bool RequireAll =>
        Environment.GetEnvironmentVariable("EDGEMONITOR_REQUIRE_ALL") is "1" or "true"
        || Environment.GetEnvironmentVariable("CI") is "1" or "true";

    public IEnumerable<IXunitTestCase> Discover(ITestFrameworkDiscoveryOptions options, ITestMethod method, IAttributeInfo attribute)
    {
        string? skip = attribute.GetNamedArgument<string>(nameof(FactAttribute.Skip));
        if (skip is not null && RequireAll)
        {
            return [new ExecutionErrorTestCase(diagnostics, options.MethodDisplayOrDefault(), options.MethodDisplayOptionsOrDefault(),
                method, $"CI runs every test, and this one cannot run here: {skip}")];
        }
        return new FactDiscoverer(diagnostics).Discover(options, method, attribute);
    }
}

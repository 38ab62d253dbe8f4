using EdgeMonitor.Configuration;
using EdgeMonitor.Probes;

namespace EdgeMonitor.Monitoring;

/// <summary>Everything one configuration gives the monitor: targets, the probe environment, the monitor section.</summary>
public sealed record MonitorSetup(IReadOnlyList<Target> Targets, ProbeEnvironment Environment, MonitorConfig Monitor)
{
    /// <summary>From a loaded and validated configuration (throws ConfigException like the loader).</summary>
    public static MonitorSetup From(EdgeMonitorConfig config) =>
        new(TargetCatalog.Build(config), EnvironmentFactory.Create(config), config.Monitor);

    /// <summary>
    /// The environment of an idle probe's own lane: its time limit covers the silent wait plus
    /// the usual probe timeout, and it never takes a slot of the shared concurrency bound.
    /// </summary>
    public static ProbeEnvironment IdleLane(ProbeEnvironment env, Target target) => env with
    {
        Timeout = env.Timeout + TimeSpan.FromSeconds(target.IdleSeconds),
        // IPv4 and IPv6 of one target idle side by side, so the lane never waits on itself.
        Concurrency = 2,
    };
}

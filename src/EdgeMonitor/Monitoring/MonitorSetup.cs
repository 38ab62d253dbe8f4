using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Net.Dhcp;
using EdgeMonitor.Probes;

namespace EdgeMonitor.Monitoring;

/// <summary>Everything one configuration gives the monitor: targets, the probe environment, the monitor section.</summary>
public sealed record MonitorSetup(IReadOnlyList<Target> Targets, ProbeEnvironment Environment, MonitorConfig Monitor)
{
    /// <summary>From a loaded and validated configuration (throws ConfigException like the loader).</summary>
    public static MonitorSetup From(EdgeMonitorConfig config) => From(config, LearnNtp(config, out _));

    public static MonitorSetup From(EdgeMonitorConfig config, NtpServerChoice? learnedNtp) =>
        new(TargetCatalog.Build(config, learnedNtp: learnedNtp), EnvironmentFactory.Create(config), config.Monitor);

    /// <summary>
    /// The site DHCP's NTP server when a selected profile follows it and ntp.server is not set by
    /// hand (null, with why, when there is none or it need not be asked).
    /// </summary>
    public static NtpServerChoice? LearnNtp(EdgeMonitorConfig config, out string? why)
    {
        why = null;
        if (config.Ntp.Server is not null || !config.Ntp.FromDhcp || !TargetCatalog.WantsDhcpNtp(config))
            return null;
        NtpServerChoice? learned = DhcpNtp.Discover(TimeSpan.FromMilliseconds(Math.Min(config.Probe.TimeoutMs, 2000)), out string reason);
        why = learned is null ? reason : null;
        return learned;
    }
}

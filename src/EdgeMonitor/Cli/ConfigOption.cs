using EdgeMonitor.Configuration;
using EdgeMonitor.Indicators;
using EdgeMonitor.Indicators.Display;
using EdgeMonitor.Net;
using EdgeMonitor.Reporting.Mqtt;

namespace EdgeMonitor.Cli;

/// <summary>
/// `--config PATH`, and where every verb looks without it: the same file the daemon reads, so
/// `check` on an installed box probes the site's targets, not the embedded default's.
/// </summary>
public static class ConfigOption
{
    /// <summary>An explicit --config, else the systemd ConfigurationDirectory's file, else /etc's, else null (embedded default).</summary>
    public static string? Read(Args args) => Resolve(args.Option("--config"));

    public static string? Resolve(string? option)
    {
        if (option is not null)
            return option;
        string? confDir = Environment.GetEnvironmentVariable("CONFIGURATION_DIRECTORY");
        foreach (string? dir in new[] { confDir?.Split(':')[0], "/etc/edgemonitor" })
        {
            if (string.IsNullOrEmpty(dir))
                continue;
            string p = Path.Combine(dir, "edgemonitor.json");
            if (File.Exists(p))
                return p;
        }
        return null;
    }

    /// <summary>The rules of the sections each output owns, checked whenever a verb loads the config.</summary>
    public static IReadOnlyList<SectionRules> Outputs { get; } = [LedsValidation.Validate, DisplayValidation.Validate, MqttSection.Validate];

    /// <summary>Loads and validates the configuration, the outputs' sections included.</summary>
    public static EdgeMonitorConfig Load(string? path) => ConfigLoader.Load(path, Outputs);

    /// <summary>The first line of a verb's human output: which configuration it used.</summary>
    public static string Banner(string? path) => $"config: {(path is null ? "embedded default" : path)}";
}

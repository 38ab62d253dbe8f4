using System.Reflection;

namespace EdgeMonitor;

/// <summary>Facts about this build that every part may show (the CLI, the MQTT status, HA discovery).</summary>
public static class AppInfo
{
    public static string Version { get; } =
        typeof(AppInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}

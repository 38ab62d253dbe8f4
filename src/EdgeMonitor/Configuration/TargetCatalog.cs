using EdgeMonitor.Probes;
using EdgeMonitor.Probes.Dhcp;
using EdgeMonitor.Profiles;

namespace EdgeMonitor.Configuration;

/// <summary>Materializes the targets a configuration asks for: built-in profiles, overrides, custom targets.</summary>
public static class TargetCatalog
{
    public const string CustomProfile = "custom";

    /// <summary>Whether any selected profile follows the DHCP-advertised NTP server (so it is worth learning).</summary>
    public static bool WantsDhcpNtp(EdgeMonitorConfig c) =>
        c.Profiles.Any(n => BuiltInProfiles.Find(n)?.Targets.Any(t => t.UnlessDhcpNtp) == true);

    /// <param name="learnedNtp">The NTP server learnt from DHCP; ntp.server set by hand wins over it.</param>
    public static IReadOnlyList<Target> Build(EdgeMonitorConfig c, string source = "config", NtpServerChoice? learnedNtp = null)
    {
        NtpServerChoice? dhcpNtp = NtpServer(c) ?? learnedNtp;
        var targets = new List<Target>();
        foreach (string name in c.Profiles.Distinct())
        {
            Profile p = BuiltInProfiles.Find(name) ?? throw new ConfigException(source, "$.profiles", $"unknown profile '{name}'");
            foreach (Target t in p.Targets)
            {
                if (t.UnlessDhcpNtp && dhcpNtp is not null)
                    continue;
                targets.Add(t);
            }
            // DT: "The DHCP server on the local network is used for ... NTP": when one is configured it replaces the pools.
            if (dhcpNtp is not null && p.Targets.Any(t => t.UnlessDhcpNtp))
            {
                targets.Add(new Target(name, "ntp-dhcp", "ntp", dhcpNtp.Host, dhcpNtp.Port, Requirement.Required, Role.Primary, "ntp",
                    $"DT: the NTP server advertised by DHCP ({dhcpNtp.Source})"));
            }
        }

        for (int i = 0; i < c.Targets.Count; i++)
            targets.Add(FromConfig(c.Targets[i], $"$.targets[{i}]", source));

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < targets.Count; i++)
        {
            if (!seen.Add(targets[i].Key))
                throw new ConfigException(source, "$.targets", $"target '{targets[i].Key}' is defined twice");
        }

        foreach (var (key, value) in c.Requirements)
        {
            int at = targets.FindIndex(t => t.Key == key);
            if (at < 0)
                throw new ConfigException(source, $"$.requirements.{key}", "no such target (use profile/targetId, see `edgemonitor profiles`)");
            if (!ModelNames.TryParseRequirement(value, out Requirement req))
                throw new ConfigException(source, $"$.requirements.{key}", $"'{value}' must be required, optional or blocked");
            Target t = targets[at];
            // Asserting a block means probing for reachability, whatever the kind was.
            targets[at] = req == Requirement.Blocked ? t with { Requirement = req, Kind = "blocked" } : t with { Requirement = req };
        }
        return targets;
    }

    /// <summary>ntp.server, set by hand.</summary>
    public static NtpServerChoice? NtpServer(EdgeMonitorConfig c)
    {
        if (c.Ntp.Server is not { } ntp)
            return null;
        AddressMap.TryParseHostPort(ntp, out string host, out int? port);
        return new NtpServerChoice(host, port ?? 123, "ntp.server in the config");
    }

    private static Target FromConfig(TargetConfig tc, string path, string source)
    {
        void Check(bool ok, string field, string message)
        {
            if (!ok)
                throw new ConfigException(source, $"{path}.{field}", message);
        }

        Check(!string.IsNullOrWhiteSpace(tc.Id), "id", "is required");
        Check(tc.Kind is not null && ProbeKinds.Find(tc.Kind) is not null, "kind", $"'{tc.Kind}' is not a probe kind (known: {ProbeKinds.Names})");
        Check(!string.IsNullOrWhiteSpace(tc.Host), "host", "is required");
        Check(tc.Port is >= 1 and <= 65535, "port", "must be 1..65535");
        Requirement req = Requirement.Required;
        Role role = Role.Primary;
        Check(tc.Requirement is null || ModelNames.TryParseRequirement(tc.Requirement, out req), "requirement", "must be required, optional or blocked");
        Check(tc.Role is null || ModelNames.TryParseRole(tc.Role, out role), "role", "must be primary or fallback");
        Check(tc.IdleSeconds is null or (>= 1 and <= 3600), "idleSeconds", "must be 1..3600");
        string profile = string.IsNullOrWhiteSpace(tc.Profile) ? CustomProfile : tc.Profile;
        return new Target(profile, tc.Id!, tc.Kind!, tc.Host!.Trim(), tc.Port, req, role, tc.Group ?? tc.Id!, tc.Note ?? "custom target")
        {
            Alpn = tc.Alpn,
            Path = tc.Path ?? "/",
            IdleSeconds = tc.IdleSeconds ?? 600,
        };
    }
}

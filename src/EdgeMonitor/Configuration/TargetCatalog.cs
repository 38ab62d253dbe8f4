using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Net.Dhcp;
using EdgeMonitor.Probes;
using EdgeMonitor.Profiles;

namespace EdgeMonitor.Configuration;

/// <summary>Materializes the targets a configuration asks for: built-in profiles, overrides, custom targets.</summary>
public static class TargetCatalog
{
    public const string CustomProfile = "custom";

    /// <summary>Whether any selected profile follows the DHCP-advertised NTP server (so it is worth learning).</summary>
    public static bool WantsDhcpNtp(EdgeMonitorConfig c) =>
        c.Profiles.Any(n => BuiltInProfiles.Find(n)?.Targets.Any(t => t.UnlessDhcpNtp) == true);

    /// <summary>
    /// The targets to check, or a <see cref="ConfigException"/> listing every problem. A config
    /// with nothing to check is one here (for check, run, allowlist), not at load: `leds` needs
    /// only the leds section.
    /// </summary>
    /// <param name="learnedNtp">The NTP server learnt from DHCP; ntp.server set by hand wins over it.</param>
    public static IReadOnlyList<Target> Build(EdgeMonitorConfig c, string source = "config", NtpServerChoice? learnedNtp = null)
    {
        var errors = new List<ConfigError>();
        List<Target> targets = Collect(c, errors, learnedNtp);
        if (errors.Count == 0 && targets.Count == 0)
            errors.Add(new ConfigError("$.profiles", "nothing to check: no built-in profile and no custom targets (see `edgemonitor profiles`)"));
        if (errors.Count > 0)
            throw new ConfigException(source, errors);
        return targets;
    }

    /// <summary>The targets; problems go to <paramref name="errors"/>.</summary>
    internal static List<Target> Collect(EdgeMonitorConfig c, List<ConfigError> errors, NtpServerChoice? learnedNtp = null)
    {
        NtpServerChoice? dhcpNtp = NtpServer(c) ?? learnedNtp;
        var targets = new List<Target>();
        foreach (string name in c.Profiles.Distinct())
        {
            if (BuiltInProfiles.Find(name) is not { } p)
            {
                errors.Add(new ConfigError("$.profiles", $"unknown profile '{name}'"));
                continue;
            }
            foreach (Target t in p.Targets)
            {
                if (t.UnlessDhcpNtp && dhcpNtp is not null)
                    continue;
                targets.Add(t);
            }
            // DT: "The DHCP server on the local network is used for ... NTP": when one is configured it replaces the pools.
            if (dhcpNtp is not null && p.Targets.Any(t => t.UnlessDhcpNtp))
            {
                targets.Add(new Target(name, "ntp-dhcp", NtpProbe.Name, dhcpNtp.Host, dhcpNtp.Port, Requirement.Required, Role.Primary, "ntp",
                    $"DT: the NTP server advertised by DHCP ({dhcpNtp.Source})"));
            }
        }

        for (int i = 0; i < c.Targets.Count; i++)
        {
            if (FromConfig(c.Targets[i], $"$.targets[{i}]", errors) is { } t)
                targets.Add(t);
        }

        // Keys name targets and groups everywhere (status.json, MQTT topics, LEDs): each must be one thing.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var groups = new Dictionary<string, (string Profile, string Group)>(StringComparer.Ordinal);
        foreach (Target t in targets)
        {
            if (!seen.Add(t.Key))
                errors.Add(new ConfigError("$.targets", $"target '{t.Key}' is defined twice"));
            string groupKey = $"{t.Profile}/{t.Group}";
            if (groups.TryGetValue(groupKey, out var g) && g != (t.Profile, t.Group))
                errors.Add(new ConfigError("$.targets", $"group '{t.Group}' of profile '{t.Profile}' and group '{g.Group}' of profile '{g.Profile}' both read '{groupKey}'"));
            groups.TryAdd(groupKey, (t.Profile, t.Group));
        }

        foreach (var (key, value) in c.Requirements)
        {
            int at = targets.FindIndex(t => t.Key == key);
            if (at < 0)
            {
                errors.Add(new ConfigError($"$.requirements.{key}",
                    $"no such target{ConfigShape.DidYouMean(key, targets.Select(t => t.Key))} (use profile/targetId, see `edgemonitor profiles`)"));
                continue;
            }
            if (!ModelNames.TryParseRequirement(value, out Requirement req))
            {
                errors.Add(new ConfigError($"$.requirements.{key}", $"'{value}' must be required, optional or blocked"));
                continue;
            }
            Target t = targets[at];
            // Asserting a block means probing for reachability, whatever the kind was.
            targets[at] = req == Requirement.Blocked ? t with { Requirement = req, Kind = BlockedProbe.Name } : t with { Requirement = req };
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

    private static Target? FromConfig(TargetConfig? tc, string path, List<ConfigError> errors)
    {
        int before = errors.Count;
        void Check(bool ok, string field, string message)
        {
            if (!ok)
                errors.Add(new ConfigError($"{path}.{field}", message));
        }

        if (tc is null)
        {
            errors.Add(new ConfigError(path, "must be a target object, not null"));
            return null;
        }
        Check(!string.IsNullOrWhiteSpace(tc.Id), "id", "is required");
        Check(IsName(tc.Id), "id", NameRule);
        Check(tc.Kind is not null && ProbeKinds.Find(tc.Kind) is not null, "kind",
            $"'{tc.Kind}' is not a probe kind{ConfigShape.DidYouMean(tc.Kind ?? "", ProbeKinds.Names.Split(", "))} (known: {ProbeKinds.Names})");
        Check(!string.IsNullOrWhiteSpace(tc.Host), "host", "is required");
        Check(tc.Host is null || tc.Host.Trim().Length <= 253, "host", "is longer than a DNS name can be (253 characters)");
        Check(tc.Port is >= 1 and <= 65535, "port", "must be 1..65535");
        Requirement req = Requirement.Required;
        Role role = Role.Primary;
        Check(tc.Requirement is null || ModelNames.TryParseRequirement(tc.Requirement, out req), "requirement", "must be required, optional or blocked");
        Check(tc.Role is null || ModelNames.TryParseRole(tc.Role, out role), "role", "must be primary or fallback");
        Check(tc.IdleSeconds is null or (>= 1 and <= 3600), "idleSeconds", "must be 1..3600");
        Check(tc.Profile is null || IsName(tc.Profile), "profile", NameRule);
        Check(tc.Group is null || IsName(tc.Group), "group", NameRule);
        if (errors.Count > before)
            return null;
        string profile = string.IsNullOrWhiteSpace(tc.Profile) ? CustomProfile : tc.Profile;
        return new Target(profile, tc.Id!, tc.Kind!, tc.Host!.Trim(), tc.Port, req, role, tc.Group ?? tc.Id!, tc.Note ?? "custom target")
        {
            Alpn = tc.Alpn,
            Path = tc.Path ?? "/",
            IdleSeconds = tc.IdleSeconds ?? 600,
        };
    }

    private const string NameRule = "must not contain '/', '+', '#' or control characters (they separate keys and MQTT topic levels)";

    // Profile, group and id join into keys ("profile/group") and MQTT topics: a '/' inside one
    // would let two different targets read the same key.
    private static bool IsName(string? name) =>
        name is null || (name.IndexOfAny(['/', '+', '#']) < 0 && !name.Any(char.IsControl));
}

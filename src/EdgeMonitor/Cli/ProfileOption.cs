using EdgeMonitor.Profiles;

namespace EdgeMonitor.Cli;

/// <summary>`--profile NAME` (repeatable): a built-in profile name; a typo is a usage error (64).</summary>
public static class ProfileOption
{
    public static List<string> Read(Args args)
    {
        List<string> profiles = args.Options("--profile");
        foreach (string p in profiles)
        {
            if (BuiltInProfiles.Find(p) is null)
                throw new UsageException($"unknown profile '{p}' (known: {string.Join(", ", BuiltInProfiles.All.Select(x => x.Name))})");
        }
        return profiles;
    }
}

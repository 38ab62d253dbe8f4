using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Lab;

/// <summary>Where the lab's scripts and fixtures live in the checkout the tests run from.</summary>
public static class LabPaths
{
    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "scripts", "lab", "run-scenarios")))
                return d.FullName;
        }
        throw new InvalidOperationException("scripts/lab/run-scenarios not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// OpenWrt fw4's standard ruleset (scripts/lab/fw4/ruleset.nft) with its include pointing at
    /// <paramref name="nftablesD"/> and the lab's interface names filled in.
    /// </summary>
    public static string Fw4Ruleset(string nftablesD, string lan, string lan2, string wan) =>
        File.ReadAllText(Path.Combine(RepoRoot(), "scripts", "lab", "fw4", "ruleset.nft"))
            .Replace("@NFTABLES_D@", nftablesD, StringComparison.Ordinal)
            .Replace("@LAN2@", lan2, StringComparison.Ordinal)
            .Replace("@LAN@", lan, StringComparison.Ordinal)
            .Replace("@WAN@", wan, StringComparison.Ordinal);
}

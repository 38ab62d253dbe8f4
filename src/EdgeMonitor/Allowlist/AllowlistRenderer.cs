
namespace EdgeMonitor.Allowlist;

/// <summary>One place that picks the format.</summary>
public static class AllowlistRenderer
{
    public static string Render(IReadOnlyList<AllowlistRule> rules, AllowlistOptions o) => o.Format switch
    {
        AllowlistFormat.Fw4 or AllowlistFormat.Nftables => NftablesFormat.Render(rules, o),
        AllowlistFormat.Iptables or AllowlistFormat.Ip6tables => IptablesFormat.Render(rules, o),
        AllowlistFormat.Ipset => IptablesFormat.RenderIpsets(rules, o),
        _ => TextFormat.Render(rules, o),
    };
}

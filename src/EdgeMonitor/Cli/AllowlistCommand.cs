using System.Net;
using EdgeMonitor.Configuration;
using EdgeMonitor.Probes;
using EdgeMonitor.Profiles;

namespace EdgeMonitor.Cli;

public static class AllowlistCommand
{
    public static Verb Verb { get; } = new("allowlist", "print the firewall rules a site needs (nftables, iptables, text)",
        """
        usage: edgemonitor allowlist [--config PATH] [--profile NAME]... [--format nftables|iptables|ip6tables|text]
                                     [--names sets|load] [--ipv6] [--dns IP]...

        Prints the rules the selected profiles need, from the built-in vendor guide data: every
        name, IP literal, port and protocol, one comment per rule naming the guide's line.
        Targets the config marks `blocked` (requirements, custom targets) become explicit rejects,
        placed before the allows. A target the config's addressMap sends elsewhere is allowed
        where it really goes. nftables output is one `table inet edgemonitor` (default drop
        on forward) that replaces itself when loaded again.
          --config PATH    configuration file (default: as `run`: $CONFIGURATION_DIRECTORY/edgemonitor.json,
                           else /etc/edgemonitor/edgemonitor.json, else the embedded default)
          --profile NAME   only this built-in profile (repeatable); replaces the config's list
          --format F       nftables (default), iptables / ip6tables (iptables-restore input), text
          --names sets     nftables: one empty set per name, filled by dnsmasq nftset= (default)
          --names load     nftables: names as set elements, resolved ONCE by nft when the file loads
          --ipv6           also allow names over IPv6
          --dns IP         the site's resolver: allow DNS to it (repeatable)

        exit: 0 printed, 64 usage error, 78 config error

        """, Run);

    private static Task<int> Run(Args args)
    {
        string? configPath = ConfigOption.Read(args);
        List<string> profiles = ProfileOption.Read(args);
        string format = args.Option("--format") ?? "nftables";
        string names = args.Option("--names") ?? "sets";
        bool ipv6 = args.Flag("--ipv6");
        List<string> dns = args.Options("--dns");
        args.EnsureEmpty();

        AllowlistFormat fmt = format switch
        {
            "nftables" or "nft" => AllowlistFormat.Nftables,
            "iptables" => AllowlistFormat.Iptables,
            "ip6tables" => AllowlistFormat.Ip6tables,
            "text" => AllowlistFormat.Text,
            _ => throw new UsageException($"--format must be nftables, iptables, ip6tables or text, not '{format}'"),
        };
        NameMode mode = names switch
        {
            "sets" => NameMode.Sets,
            "load" => NameMode.Load,
            _ => throw new UsageException($"--names must be sets or load, not '{names}'"),
        };
        var servers = new List<IPAddress>();
        foreach (string d in dns)
            servers.Add(IPAddress.TryParse(d, out var a) ? a : throw new UsageException($"--dns '{d}' is not an IP address"));

        EdgeMonitorConfig config = ConfigLoader.Load(configPath);
        ConfigLoader.SelectProfiles(config, profiles, configPath ?? ConfigLoader.EmbeddedName);
        IReadOnlyList<Target> targets = TargetCatalog.Build(config, configPath ?? ConfigLoader.EmbeddedName);
        AddressMap.TryCreate(config.AddressMap, out AddressMap map, out _);
        var rules = Allowlist.Rules(targets, map);
        Console.Out.Write(Allowlist.Render(rules, new AllowlistOptions
        {
            Format = fmt,
            Names = mode,
            Ipv6 = ipv6,
            DnsServers = servers,
            Profiles = config.Profiles,
            Version = Verbs.Version,
            Config = configPath ?? "embedded default",
        }));
        return Task.FromResult(ExitCodes.Ok);
    }
}

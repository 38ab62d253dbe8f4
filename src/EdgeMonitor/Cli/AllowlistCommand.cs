using System.Net;
using EdgeMonitor.Allowlist;
using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Reporting.Mqtt;

namespace EdgeMonitor.Cli;

public static class AllowlistCommand
{
    public static Verb Verb { get; } = new("allowlist", "print the firewall rules a device segment needs (OpenWrt fw4, nftables, iptables, text)",
        """
        usage: edgemonitor allowlist --from IFACE|PREFIX... [--config PATH] [--profile NAME]...
                                     [--format fw4|nftables|iptables|ip6tables|ipset|text] [--dns IP]...
                                     [--no-ipv6] [--no-dns] [--no-ntp] [--no-noc] [--set-timeout SECONDS]

        Prints the rules the selected profiles need, from the built-in vendor guide data, for the
        device segment only: every drop applies to traffic forwarded from that segment, nothing
        else is touched. IPv4 and IPv6, DNS, the guides' NTP servers and the NOC's MQTT broker
        (mqtt.host in the config) are in unless switched off. Names are never resolved when the
        rules load: dnsmasq fills one set per name and family (entries time out), so a name with
        several addresses, or none over IPv6, works. Targets the config marks `blocked` become
        rejects before the allows; a target the config's addressMap sends elsewhere is allowed
        where it really goes. The header carries the guide's other requirements (TCP idle
        timeout >= 600 s, the Cisco RV34x firmware note).
          --from X         the device segment: an interface (br-iot) and/or a source prefix
                           (10.0.20.0/24, fd00:20::/64); repeatable; needed by every format but text, ipset
          --config PATH    configuration file (default: as `run`: $CONFIGURATION_DIRECTORY/edgemonitor.json,
                           else /etc/edgemonitor/edgemonitor.json, else the embedded default)
          --profile NAME   only this built-in profile (repeatable); replaces the config's list
          --format F       fw4 (default): OpenWrt snippet for /etc/nftables.d/ plus /etc/config/dhcp ipsets
                           nftables: a table of its own for /etc/nftables.conf
                           iptables, ip6tables: chains of their own for `iptables-restore --noflush`
                           ipset: the sets iptables matches (`ipset restore -exist`)
                           text: for a GUI firewall (names, ports, protocols, wildcards)
          --dns IP         the resolver the site uses (repeatable; default: dns.server of the config,
                           else the router's dnsmasq for fw4 and any address for the others)
          --no-ipv6        IPv4 only     --no-dns   no DNS rule     --no-ntp   no NTP rules
          --no-noc         no rule for the NOC's MQTT broker
          --set-timeout S  seconds a resolved address stays allowed without a new answer (default 3600)

        exit: 0 printed, 64 usage error, 78 config error

        """, Run);

    private static Task<int> Run(Args args)
    {
        string? configPath = ConfigOption.Read(args);
        List<string> profiles = ProfileOption.Read(args);
        string format = args.Option("--format") ?? "fw4";
        List<string> from = args.Options("--from");
        List<string> dns = args.Options("--dns");
        bool ipv6 = !args.Flag("--no-ipv6"), withDns = !args.Flag("--no-dns"), withNtp = !args.Flag("--no-ntp"), withNoc = !args.Flag("--no-noc");
        int timeout = args.IntOption("--set-timeout", 60, 7 * 86400) ?? 3600;
        args.EnsureEmpty();

        AllowlistFormat fmt = format switch
        {
            "fw4" => AllowlistFormat.Fw4,
            "nftables" or "nft" => AllowlistFormat.Nftables,
            "iptables" => AllowlistFormat.Iptables,
            "ip6tables" => AllowlistFormat.Ip6tables,
            "ipset" => AllowlistFormat.Ipset,
            "text" => AllowlistFormat.Text,
            _ => throw new UsageException($"--format must be fw4, nftables, iptables, ip6tables, ipset or text, not '{format}'"),
        };
        if (!Segment.TryParse(from, out Segment? segment, out string? error))
            throw new UsageException(error);
        if (segment.IsEmpty && fmt is not (AllowlistFormat.Text or AllowlistFormat.Ipset))
            throw new UsageException("--from is needed: the device segment (interface and/or source prefix) the drops apply to, so nothing else is touched");
        var servers = new List<IPAddress>();
        foreach (string d in dns)
            servers.Add(IPAddress.TryParse(d, out var a) ? a : throw new UsageException($"--dns '{d}' is not an IP address"));

        EdgeMonitorConfig config = ConfigOption.Load(configPath);
        string source = configPath ?? ConfigLoader.EmbeddedName;
        ConfigLoader.SelectProfiles(config, profiles, source, ConfigOption.Outputs);
        IReadOnlyList<Target> targets = TargetCatalog.Build(config, source);
        AddressMap.TryCreate(config.AddressMap, out AddressMap map, out _);

        var included = new List<string> { ipv6 ? "In: IPv4 and IPv6 (the DT guide: the connectors use both)." : "In: IPv4 only (--no-ipv6)." };
        var extra = new List<AllowlistRule>();
        if (!withDns)
            included.Add("DNS: left out (--no-dns).");
        else
        {
            if (servers.Count == 0 && config.Dns.Server is { } configured && IPEndPoint.TryParse(configured, out IPEndPoint? ep))
                servers.Add(ep.Address);
            if (servers.Count == 0 && fmt == AllowlistFormat.Fw4)
                included.Add("DNS: the devices ask this router's dnsmasq (OpenWrt's DHCP default): not forwarded, no rule; --dns IP for another resolver.");
            else
            {
                extra.AddRange(AllowlistRules.Dns(servers));
                included.Add(servers.Count == 0
                    ? "DNS: udp/tcp 53 to any address (no resolver named: --dns IP narrows it)."
                    : $"DNS: udp/tcp 53 to {string.Join(", ", servers)}.");
            }
        }
        if (!withNtp)
        {
            targets = targets.Where(t => t.Kind != NtpProbe.Name || t.Requirement == Requirement.Blocked).ToList();
            included.Add("NTP: left out (--no-ntp).");
        }
        else
            included.Add("NTP: the guides' time servers, udp 123.");
        if (!withNoc)
            included.Add("NOC: left out (--no-noc).");
        else if (!MqttSection.IsOn(config.Mqtt) || config.Mqtt.Host is not { } nocHost || IsLoopback(nocHost))
            included.Add("NOC: no rule (mqtt is not enabled in the config, or its broker is on this host).");
        else
        {
            extra.Add(AllowlistRules.Noc(nocHost, config.Mqtt.Port));
            included.Add($"NOC: the MQTT broker {config.Mqtt.Host}:{config.Mqtt.Port} from the config.");
        }

        // Rejects stay first: the extras are allows.
        var rules = AllowlistRules.From(targets, map).Concat(extra).ToList();
        Console.Out.Write(AllowlistRenderer.Render(rules, new AllowlistOptions
        {
            Format = fmt,
            Segment = segment,
            Ipv6 = ipv6,
            SetTimeoutSeconds = timeout,
            Profiles = config.Profiles,
            Included = included,
            Version = Verbs.Version,
            Config = configPath ?? "embedded default",
        }));
        return Task.FromResult(ExitCodes.Ok);
    }

    private static bool IsLoopback(string host) =>
        host is "localhost" || (IPAddress.TryParse(host, out var a) && IPAddress.IsLoopback(a));
}

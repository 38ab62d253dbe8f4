using EdgeMonitor.Model;

namespace EdgeMonitor.Profiles;

public sealed record Profile(string Name, string Description, IReadOnlyList<Target> Targets);

/// <summary>
/// The vendor firewall guides as data. Every host, IP literal, port and protocol of
/// ../shared/seeds/ appears here; comments quote the guide (CT = the CloudTrax guide,
/// 000_2f7efd07aa0dcc36.txt; DT = the Disruptive Technologies guide, 003_876cd2b6ec2a06b6.txt).
/// Where a guide is ambiguous every reading is a target, and the note says so.
/// </summary>
public static class BuiltInProfiles
{
    public static IReadOnlyList<Profile> All { get; } = Build();

    public static Profile? Find(string name) => All.FirstOrDefault(p => p.Name == name);

    private static List<Profile> Build() =>
    [
        CloudTrax("cloudtrax-ap", "Open Mesh / CloudTrax access points",
            // CT: "Access Points connect to the following CloudTrax server via HTTPS(port 443): cloud_ap.cloudtrax.com"
            cloud: ("cloud_ap.cloudtrax.com", 443, "tls", "CT: access points connect via HTTPS (port 443)"),
            // CT "Access Point Fallback": checkin-fallback.cloudtrax.com and 54.245.251.231.
            fallbackNames: ["checkin-fallback.cloudtrax.com"],
            fallbackIps: ["54.245.251.231"],
            fallbackNote: "CT Access Point Fallback",
            supportTunnel: true),

        CloudTrax("cloudtrax-switch", "Open Mesh / CloudTrax switches",
            // CT: "Switches connect to the following CloudTrax server via HTTPS(port 443): cloud-switch.cloudtrax.com"
            cloud: ("cloud-switch.cloudtrax.com", 443, "tls", "CT: switches connect via HTTPS (port 443)"),
            fallbackNames: [],
            // CT "Switch Fallback": 54.245.115.10
            fallbackIps: ["54.245.115.10"],
            fallbackNote: "CT Switch Fallback",
            supportTunnel: false),

        CloudTrax("cloudtrax-router", "Open Mesh / CloudTrax routers",
            // CT: "Routers connect to the following CloudTrax server via HTTPS(port 443): router.cloudtrax.com"
            cloud: ("router.cloudtrax.com", 443, "tls", "CT: routers connect via HTTPS (port 443)"),
            fallbackNames: [],
            // CT "Router Fallback": 54.68.39.120
            fallbackIps: ["54.68.39.120"],
            fallbackNote: "CT Router Fallback",
            supportTunnel: false),

        CloudTrax("cloudtrax-legacy-4xx", "Open Mesh legacy access points on 4xx firmware",
            // CT: "Legacy access points using 4xx firmware utilize the following server via HTTP(port 80): checkin.cloudtrax.com"
            cloud: ("checkin.cloudtrax.com", 80, "http", "CT: legacy 4xx firmware via HTTP (port 80)"),
            // They are access points, so the Access Point Fallback applies to them too.
            fallbackNames: ["checkin-fallback.cloudtrax.com"],
            fallbackIps: ["54.245.251.231"],
            fallbackNote: "CT Access Point Fallback (legacy 4xx are access points)",
            supportTunnel: true),

        DtGen2(),
        DtOlder(),
    ];

    private static Target T(string profile, string id, string kind, string host, int port, string group, string note,
        Requirement req = Requirement.Required, Role role = Role.Primary) =>
        new(profile, id, kind, host, port, req, role, group, note) { Public = true };

    private static Profile CloudTrax(string name, string description,
        (string Host, int Port, string Kind, string Note) cloud,
        string[] fallbackNames, string[] fallbackIps, string fallbackNote, bool supportTunnel)
    {
        var t = new List<Target>
        {
            T(name, "cloud", cloud.Kind, cloud.Host, cloud.Port, "cloud", cloud.Note),
        };

        // The guide gives no port for the fallbacks: cover both readings, HTTPS 443 and HTTP 80.
        foreach (string host in fallbackNames)
        {
            string id = host.Split('.')[0];
            t.Add(T(name, $"{id}-443", "tls", host, 443, "cloud", fallbackNote + "; port not stated, 443 checked", role: Role.Fallback));
            t.Add(T(name, $"{id}-80", "http", host, 80, "cloud", fallbackNote + "; port not stated, 80 checked", role: Role.Fallback));
        }
        foreach (string ip in fallbackIps)
        {
            // A bare IP has no name to validate a certificate against: a TCP connect is what the firewall decides.
            t.Add(T(name, $"fallback-ip-{ip}-443", "tcp", ip, 443, "cloud", fallbackNote + " (bare IP); port not stated, 443 checked", role: Role.Fallback));
            t.Add(T(name, $"fallback-ip-{ip}-80", "http", ip, 80, "cloud", fallbackNote + " (bare IP); port not stated, 80 checked", role: Role.Fallback));
        }

        // CT "Connection Keeper": all devices, HTTP (port 80), always-on; connkeeper.cloudtrax.com
        // and three IP literals. The name is what devices use; the IPs must be allowed too.
        t.Add(T(name, "connkeeper", "http", "connkeeper.cloudtrax.com", 80, "connkeeper", "CT Connection Keeper, HTTP (port 80), always-on"));
        foreach (string ip in (string[])["35.165.84.99", "35.163.125.115", "35.162.249.62"])
            t.Add(T(name, $"connkeeper-{ip}", "http", ip, 80, "connkeeper", "CT Connection Keeper IP literal, HTTP (port 80)", role: Role.Fallback));

        // CT "Network Time Protocol": all devices, NTP (port 123); any one keeps time.
        t.Add(T(name, "ntp-pool", "ntp", "pool.ntp.org", 123, "ntp", "CT NTP (port 123)"));
        t.Add(T(name, "ntp-openwrt", "ntp", "0.openwrt.pool.ntp.org", 123, "ntp", "CT NTP (port 123)", role: Role.Fallback));
        t.Add(T(name, "ntp-cloudtrax", "ntp", "ntp.cloudtrax.com", 123, "ntp", "CT NTP (port 123)", role: Role.Fallback));

        // CT "Firmware Updates": both HTTP (port 80) and HTTPS (port 443) to both file servers.
        foreach (string host in (string[])["dev.cloudtrax.com", "files-mirror.cloudtrax.com"])
        {
            string id = host.Split('.')[0];
            t.Add(T(name, $"{id}-80", "http", host, 80, "firmware", "CT Firmware Updates, HTTP (port 80)"));
            t.Add(T(name, $"{id}-443", "tls", host, 443, "firmware", "CT Firmware Updates, HTTPS (port 443)"));
        }

        if (supportTunnel)
        {
            // CT "Advanced Troubleshooting": access points' SSH tunnel, TCP 18991. "To deny access, it
            // suffices to block outbound requests to vpn.cloudtrax.com": a site may block it on purpose,
            // so it is optional; set it "blocked" in `requirements` to assert the block instead.
            t.Add(T(name, "support-tunnel", "ssh", "vpn.cloudtrax.com", 18991, "support",
                "CT Advanced Troubleshooting: SSH tunnel (TCP 18991); a site may block it on purpose", Requirement.Optional));
        }

        // CT "Firewall Timeout" (>= 600 s for the Connection Keeper) needs a NOC echo server to
        // test: an `idle` target in the config file (see README), not a built-in one.
        // CT "Special Notes": the Cisco RV34x content filter shows as tls_sni_filtered / tcp_reset here.
        return new Profile(name, description, t);
    }

    private const string Dt = "disruptive-technologies.com";

    private static Profile DtGen2()
    {
        const string n = "dt-ccon-gen2";
        var t = new List<Target>
        {
            // DT "Cloud Connector (2nd Gen)": fully qualified domain names, TCP 443.
            T(n, "ccon-manager", "tls", $"ccon-manager.prod.{Dt}", 443, "manager", "DT 2nd Gen (TCP 443)"),
            T(n, "est", "tls", $"est.prod.{Dt}", 443, "est", "DT 2nd Gen (TCP 443), certificate enrollment"),
            T(n, "mender", "tls", $"mender.prod.{Dt}", 443, "updates", "DT 2nd Gen (TCP 443), updates"),
            T(n, "mender-artifacts", "tls", $"mender-artifacts.prod.{Dt}", 443, "updates", "DT 2nd Gen (TCP 443), update artifacts"),
        };
        // DT: "If no NTP server is advertised on the local network, then time{1,2,3,4}.google.com (UDP 123) is used."
        for (int i = 1; i <= 4; i++)
        {
            t.Add(T(n, $"ntp-time{i}", "ntp", $"time{i}.google.com", 123, "ntp", "DT 2nd Gen NTP when DHCP advertises none (UDP 123)",
                role: i == 1 ? Role.Primary : Role.Fallback) with { UnlessDhcpNtp = true });
        }
        return new Profile(n, "Disruptive Technologies Cloud Connector (2nd Gen)", t);
    }

    private static Profile DtOlder()
    {
        const string n = "dt-ccon";
        var t = new List<Target>
        {
            // DT "Other Cloud Connectors" (US/EU 4G, EU 3G/2G, US/EU Ethernet), TCP 443.
            // sds-receiver-grpc is gRPC: TLS with ALPN h2.
            T(n, "sds-receiver-grpc", "tls", $"sds-receiver-grpc.prod.{Dt}", 443, "receiver", "DT other connectors (TCP 443), gRPC") with { Alpn = "h2" },
            T(n, "ccon-manager", "tls", $"ccon-manager.prod.{Dt}", 443, "manager", "DT other connectors (TCP 443)"),
            T(n, "est", "tls", $"est.prod.{Dt}", 443, "est", "DT other connectors (TCP 443), certificate enrollment"),
        };
        // DT NTP: the text says {1,2,3,4}.resinio.pool.ntp.org, the list says 0..3: cover 0..4.
        for (int i = 0; i <= 4; i++)
        {
            string reading = i == 0 ? "in the list only" : i == 4 ? "in the text only" : "in the text and the list";
            t.Add(T(n, $"ntp-resinio-{i}", "ntp", $"{i}.resinio.pool.ntp.org", 123, "ntp",
                $"DT other connectors NTP when DHCP advertises none (UDP 123); {reading}",
                role: i == 0 ? Role.Primary : Role.Fallback) with { UnlessDhcpNtp = true });
        }
        // DT balena endpoints, TCP 443. The balena VPN speaks OpenVPN over 443, not plain TLS: TCP connect.
        t.Add(T(n, "balena-vpn", "tcp", "vpn.balena-cloud.com", 443, "balena", "DT balena VPN (TCP 443; OpenVPN, not TLS)"));
        foreach (string h in (string[])["api", "delta", "delta-data", "registry2", "registry-data"])
            t.Add(T(n, $"balena-{h}", "tls", $"{h}.balena-cloud.com", 443, "balena", "DT balena (TCP 443)"));
        // DT Docker registry endpoints, TCP 443.
        foreach (string h in (string[])["registry.hub.docker.com", "production.cloudflare.docker.com", "registry.docker.io", "auth.docker.io"])
            t.Add(T(n, "docker-" + h.Replace(".docker.com", "").Replace(".docker.io", "").Replace('.', '-'), "tls", h, 443, "docker", "DT Docker registry (TCP 443)"));
        // DT "Zero trust network": the connector must not reach the corporate LAN. The LAN's
        // addresses are the site's: add `blocked` targets for them in the config file (README).
        // DT "SSH connections": TCP 22222 is inbound only and need not be reachable: nothing to check outbound.
        return new Profile(n, "Disruptive Technologies Cloud Connectors (4G, 3G/2G, Ethernet)", t);
    }
}

using System.Text.Json;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Probes;

/// <summary>
/// SNI filtering made by the kernel: iptables string matches (the way content filters such as
/// the Cisco RV34x's match the ClientHello) in a network namespace the test creates, in front
/// of a real nginx, probed by the real edgemonitor program running inside that namespace.
/// </summary>
public sealed class TlsSniFilterTests
{
    [Xunit.Sdk.XunitTestCaseDiscoverer(EdgeMonitor.Tests.Infrastructure.RequiredUnderCiDiscoverer.TypeName, EdgeMonitor.Tests.Infrastructure.RequiredUnderCiDiscoverer.Assembly)]
    private sealed class RootWithIptablesFactAttribute : FactAttribute
    {
        public RootWithIptablesFactAttribute()
        {
            if (!Posix.IsRoot)
                Skip = "needs root for network namespaces and iptables";
            else if (RequiresFactAttribute.Which("iptables") is null || RequiresFactAttribute.Which("nginx") is null)
                Skip = "needs iptables and nginx (scripts/install-deps.sh installs them)";
        }
    }

    [RootWithIptablesFact]
    public void Kernel_sni_filter_is_told_apart_from_a_server_that_resets_everything()
    {
        using var ns = new NetNs("emsni");
        using var ca = new TestCa("EdgeMonitor SNI Lab Root");
        var cert = ca.Issue("lab", ["default.lab.test", "cloud_ap.cloudtrax.com", "ccon-manager.prod.disruptive-technologies.com",
            "router.cloudtrax.com", "mender.prod.disruptive-technologies.com"]);
        // Ports inside the fresh namespace: nothing else listens there.
        const int tls = 8443, resetsAll = 8444, dropped = 8445, unreachable = 8446, http = 8080;
        using var nginx = NginxServer.Start($$"""
              server {
                listen 127.0.0.1:{{tls}} ssl default_server;
                listen 127.0.0.1:{{resetsAll}} ssl default_server;
                ssl_certificate {{cert.CertFile}};
                ssl_certificate_key {{cert.KeyFile}};
                location / { return 200 "ok\n"; }
              }
              server { listen 127.0.0.1:{{http}}; location / { return 200 "ok\n"; } }
            """, ns);

        // The content filter: a reset for one name, a silent drop for another, on the ClientHello bytes.
        Ipt(ns, "-A", "INPUT", "-p", "tcp", "--dport", $"{tls}", "-m", "string", "--algo", "bm",
            "--string", "cloud_ap.cloudtrax.com", "-j", "REJECT", "--reject-with", "tcp-reset");
        Ipt(ns, "-A", "INPUT", "-p", "tcp", "--dport", $"{tls}", "-m", "string", "--algo", "bm",
            "--string", "ccon-manager.prod.disruptive-technologies.com", "-j", "DROP");
        // A firewall resetting every TLS ClientHello (record header 16 03 01) to one port, whatever the name.
        Ipt(ns, "-A", "INPUT", "-p", "tcp", "--dport", $"{resetsAll}", "-m", "string", "--algo", "bm",
            "--hex-string", "|160301|", "--from", "40", "--to", "80", "-j", "REJECT", "--reject-with", "tcp-reset");
        Ipt(ns, "-A", "INPUT", "-p", "tcp", "--dport", $"{dropped}", "-j", "DROP");
        Ipt(ns, "-A", "INPUT", "-p", "tcp", "--dport", $"{unreachable}", "-j", "REJECT", "--reject-with", "icmp-host-unreachable");

        string dir = TempDir.Create("sni");
        string config = Path.Combine(dir, "c.json");
        File.WriteAllText(config, $$"""
            {
              "probe": { "timeoutMs": 2000 },
              "tls": { "extraCaFile": "{{ca.CertFile}}" },
              "addressMap": {
                "cloud_ap.cloudtrax.com": "127.0.0.1:{{tls}}",
                "ccon-manager.prod.disruptive-technologies.com": "127.0.0.1:{{tls}}",
                "mender.prod.disruptive-technologies.com": "127.0.0.1:{{tls}}",
                "router.cloudtrax.com": "127.0.0.1:{{resetsAll}}",
                "dropped.cloudtrax.com": "127.0.0.1:{{dropped}}",
                "unreachable.cloudtrax.com": "127.0.0.1:{{unreachable}}",
                "checkin.cloudtrax.com": "127.0.0.1:{{http}}",
              },
              "targets": [
                { "id": "sni-reset", "kind": "tls", "host": "cloud_ap.cloudtrax.com", "port": 443 },
                { "id": "sni-dropped", "kind": "tls", "host": "ccon-manager.prod.disruptive-technologies.com", "port": 443 },
                { "id": "not-filtered", "kind": "tls", "host": "mender.prod.disruptive-technologies.com", "port": 443 },
                { "id": "all-tls-reset", "kind": "tls", "host": "router.cloudtrax.com", "port": 443 },
                { "id": "tls-dropped", "kind": "tls", "host": "dropped.cloudtrax.com", "port": 443 },
                { "id": "http-dropped", "kind": "http", "host": "dropped.cloudtrax.com", "port": 80 },
                { "id": "ssh-dropped", "kind": "ssh", "host": "dropped.cloudtrax.com", "port": 18991 },
                { "id": "tls-unreachable", "kind": "tls", "host": "unreachable.cloudtrax.com", "port": 443 },
                { "id": "http-unreachable", "kind": "http", "host": "unreachable.cloudtrax.com", "port": 80 },
                { "id": "ssh-unreachable", "kind": "ssh", "host": "unreachable.cloudtrax.com", "port": 18991 },
                { "id": "http-ok", "kind": "http", "host": "checkin.cloudtrax.com", "port": 80 },
              ],
            }
            """);
        var (exit, stdout, stderr) = EdgeMonitorCli.Run(["check", "--config", config, "--json"], wrapIn: ["ip", .. ns.Wrap()]);
        Assert.True(exit == 2, $"exit {exit}: {stdout}{stderr}\n{nginx.ErrorLog}");
        using var doc = JsonDocument.Parse(stdout);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToDictionary(
            r => r.GetProperty("target").GetString()!,
            r => (Outcome: r.GetProperty("outcome").GetString(), Reason: r.GetProperty("reason").GetString(), Detail: r.GetProperty("detail").GetString()));

        string Why(string id) => $"{id}: {results[id]}\n{stdout}";
        Assert.True(results["sni-reset"].Reason == "tls_sni_filtered", Why("sni-reset"));
        Assert.Contains("was reset at the ClientHello", results["sni-reset"].Detail);
        Assert.True(results["sni-dropped"].Reason == "tls_sni_filtered", Why("sni-dropped"));
        Assert.Contains("no TLS answer in time", results["sni-dropped"].Detail);
        Assert.True(results["not-filtered"] is ("pass", "ok", _), Why("not-filtered"));
        Assert.True(results["all-tls-reset"].Reason == "tcp_reset", Why("all-tls-reset"));
        Assert.True(results["tls-dropped"].Reason == "tcp_timeout", Why("tls-dropped"));
        Assert.True(results["http-dropped"].Reason == "tcp_timeout", Why("http-dropped"));
        Assert.True(results["ssh-dropped"].Reason == "tcp_timeout", Why("ssh-dropped"));
        Assert.True(results["tls-unreachable"].Reason == "tcp_unreachable", Why("tls-unreachable"));
        Assert.True(results["http-unreachable"].Reason == "tcp_unreachable", Why("http-unreachable"));
        Assert.True(results["ssh-unreachable"].Reason == "tcp_unreachable", Why("ssh-unreachable"));
        Assert.True(results["http-ok"] is ("pass", "ok", _), Why("http-ok"));
    }

    private static void Ipt(NetNs ns, params string[] args) => ns.Exec(["iptables", .. args]);
}

using System.Net;
using System.Text;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Fixtures;

/// <summary>
/// A real nginx in its own temp prefix (pid, logs, temp paths, config), optionally inside a
/// network namespace; killed on dispose.
/// </summary>
public sealed class NginxServer : IDisposable
{
    private readonly ServerProcess _process;

    public string Prefix { get; }

    private NginxServer(string prefix, ServerProcess process)
    {
        Prefix = prefix;
        _process = process;
    }

    /// <summary>Starts nginx with the given http{} body and waits until it has bound its sockets (pid file written).</summary>
    public static NginxServer Start(string httpBody, NetNs? ns = null)
    {
        string dir = TempDir.Create("nginx");
        string conf = Path.Combine(dir, "nginx.conf");
        string pid = Path.Combine(dir, "nginx.pid");
        File.WriteAllText(conf, $$"""
            user root;
            worker_processes 1;
            pid {{pid}};
            error_log {{dir}}/error.log warn;
            events { worker_connections 128; }
            http {
              access_log off;
              client_body_temp_path {{dir}}/body;
              proxy_temp_path {{dir}}/proxy;
              fastcgi_temp_path {{dir}}/fastcgi;
              uwsgi_temp_path {{dir}}/uwsgi;
              scgi_temp_path {{dir}}/scgi;
              default_type text/plain;
              # nginx before 1.23.4 leaves TLSv1.3 out by default; the vendors' servers speak it.
              ssl_protocols TLSv1.2 TLSv1.3;
            {{httpBody}}
            }
            """);
        string[] cmd = ["nginx", "-p", dir, "-c", conf, "-g", "daemon off;"];
        var process = ns is null
            ? ServerProcess.Start(RequiresFactAttribute.Which("nginx") ?? "nginx", cmd[1..])
            : ServerProcess.Start("ip", ns.Wrap(cmd));
        // nginx writes its pid file after it has opened every listening socket.
        process.WaitFor(() => File.Exists(pid) && new FileInfo(pid).Length > 0, "nginx pid file");
        return new NginxServer(dir, process);
    }

    public string ErrorLog => File.Exists(Path.Combine(Prefix, "error.log")) ? File.ReadAllText(Path.Combine(Prefix, "error.log")) : "";

    public void Dispose() => _process.Dispose();
}

/// <summary>
/// One nginx on loopback serving every TLS and HTTP case the tls/http/ssh probe tests need,
/// with certificates from a test CA (trusted through ExtraCas) and an untrusted "interceptor"
/// CA that issues for any name, like a TLS-inspecting firewall.
/// </summary>
public sealed class TlsHttpNginx : IDisposable
{
    /// <summary>The tls, http and ssh probe test classes share one instance (certificates take a while to make).</summary>
    public const string Collection = "tls-http-nginx";

    public TestCa Ca { get; }
    public TestCa Interceptor { get; }
    private readonly NginxServer _nginx;
    private readonly ServerProcess _sServer;

    /// <summary>Valid chain (test CA) for the lab names, HTTP/1.1 only.</summary>
    public int Valid { get; } = Ports.Free();
    /// <summary>Same certificate, ALPN h2.</summary>
    public int H2 { get; } = Ports.Free();
    public int Expired { get; } = Ports.Free();
    /// <summary>A certificate whose validity starts in an hour (what a box with a slow clock sees).</summary>
    public int NotYetValid { get; } = Ports.Free();
    public int WrongName { get; } = Ports.Free();
    /// <summary>The interceptor: a certificate for whatever name is asked, all from one untrusted CA.</summary>
    public int Intercepting { get; } = Ports.Free();
    /// <summary>Refuses every handshake with a TLS alert (nginx ssl_reject_handshake).</summary>
    public int RejectHandshake { get; } = Ports.Free();
    /// <summary>openssl s_server with the valid certificate: ignores ALPN (completes without selecting one).</summary>
    public int IgnoresAlpn { get; } = Ports.Free();
    /// <summary>Plain HTTP: origin answers, redirects and block pages, chosen by path.</summary>
    public int Http { get; } = Ports.Free();

    /// <summary>Names the valid certificate covers.</summary>
    public static readonly string[] LabNames =
    [
        "cloud_ap.cloudtrax.com", "router.cloudtrax.com", "checkin.cloudtrax.com",
        "sds-receiver-grpc.prod.disruptive-technologies.com", "ccon-manager.prod.disruptive-technologies.com",
    ];

    /// <summary>Names the interceptor serves, each with its own forged certificate.</summary>
    public static readonly string[] InterceptedNames =
        ["cloud_ap.cloudtrax.com", "router.cloudtrax.com", "ccon-manager.prod.disruptive-technologies.com"];

    public const string BlockPage = """
        <html><head><title>Web Page Blocked</title></head>
        <body><h1>Web Page Blocked!</h1><p>Access to the web page you were trying to visit has been blocked
        in accordance with company policy. URL: checkin.cloudtrax.com/ Category: Unrated</p>
        <p>FortiGuard Web Filtering</p></body></html>
        """;

    public TlsHttpNginx()
    {
        Ca = new TestCa("EdgeMonitor Test Root");
        // TestCa certificates start a day back, so the expired leaf lived within that day.
        Interceptor = new TestCa("Inspection Firewall CA", Ca.Directory);
        var valid = Ca.Issue("valid", LabNames);
        var expired = Ca.Issue("expired", LabNames, DateTimeOffset.UtcNow.AddHours(-20), DateTimeOffset.UtcNow.AddHours(-2));
        var future = Ca.Issue("future", LabNames, DateTimeOffset.UtcNow.AddHours(1), DateTimeOffset.UtcNow.AddDays(90));
        var wrong = Ca.Issue("wrong", ["portal.wrong-name.example"]);
        var forged = InterceptedNames.Select(n => (Name: n, Files: Interceptor.Issue("forged-" + n, [n]))).ToList();

        string Tls(int port, (string Cert, string Key) files, string extra = "", string listen = "ssl") => $$"""
              server {
                listen 127.0.0.1:{{port}} {{listen}};
                ssl_certificate {{files.Cert}};
                ssl_certificate_key {{files.Key}};
                {{extra}}
                location / { return 200 "tls ok\n"; }
              }
            """;

        var http = new StringBuilder();
        http.AppendLine(Tls(Valid, valid));
        http.AppendLine(Tls(H2, valid, listen: "ssl http2"));
        http.AppendLine(Tls(Expired, expired));
        http.AppendLine(Tls(WrongName, wrong));
        http.AppendLine(Tls(NotYetValid, future));
        foreach (var (name, files) in forged)
            http.AppendLine(Tls(Intercepting, files, $"server_name {name};"));
        http.AppendLine($$"""
              server {
                listen 127.0.0.1:{{RejectHandshake}} ssl;
                ssl_reject_handshake on;
              }
              server {
                listen 127.0.0.1:{{Http}};
                location = / { return 200 "origin ok\n"; }
                location = /forbidden { return 403; }
                location = /to-https { return 301 https://$host/; }
                location = /relative { return 302 /elsewhere; }
                location = /to-other-host { return 302 http://blockpage.firewall.example/block?url=$host$request_uri; }
                location = /block-page { return 403 '{{BlockPage.Replace("'", "\\'")}}'; }
                location = /squid { add_header X-Squid-Error "ERR_ACCESS_DENIED 0" always; return 403 "denied\n"; }
                location = /generic-block { return 403 "<h1>This site has been blocked by your network administrator</h1>"; }
                location = /captive { return 511 "log in first\n"; }
                location = /server-error { return 503 "busy\n"; }
              }
            """);
        _nginx = NginxServer.Start(http.ToString());
        _sServer = ServerProcess.Start("openssl", ["s_server", "-accept", $"127.0.0.1:{IgnoresAlpn}", "-cert", valid.CertFile,
            "-key", valid.KeyFile, "-www", "-quiet"]);
        _sServer.WaitForTcp(new IPEndPoint(IPAddress.Loopback, IgnoresAlpn));
    }

    public string ErrorLog => _nginx.ErrorLog;

    /// <summary>An address map sending each name to a port of this nginx (names keep SNI and Host).</summary>
    public static AddressMap Map(params (string Name, int Port)[] entries)
    {
        var d = entries.ToDictionary(e => e.Name, e => $"127.0.0.1:{e.Port}");
        if (!AddressMap.TryCreate(d, out AddressMap map, out string? error))
            throw new InvalidOperationException(error);
        return map;
    }

    /// <summary>
    /// `edgemonitor check --json` in its own process on one tls target (<paramref name="host"/>
    /// mapped to 127.0.0.1:<paramref name="port"/>) whose system store (OpenSSL's SSL_CERT_FILE)
    /// is <paramref name="caFile"/> alone: the machine's real store stays untouched.
    /// </summary>
    public static (int Exit, string Stdout, string Stderr) CheckWithSystemStore(string caFile, string host, int port)
    {
        string dir = TempDir.Create("tlssys");
        string config = Path.Combine(dir, "c.json");
        File.WriteAllText(config, $$"""
            { "probe": { "timeoutMs": 3000 },
              "addressMap": { "{{host}}": "127.0.0.1:{{port}}" },
              "targets": [ { "id": "ap", "kind": "tls", "host": "{{host}}", "port": 443 } ] }
            """);
        return EdgeMonitorCli.Run(["check", "--config", config, "--json"],
            env: new Dictionary<string, string> { ["SSL_CERT_FILE"] = caFile, ["SSL_CERT_DIR"] = dir });
    }

    public static ProbeRunner Runner(AddressMap map, System.Security.Cryptography.X509Certificates.X509Certificate2Collection? extraCas = null, int timeoutMs = 3000) =>
        new(new ProbeEnvironment
        {
            Resolver = new ThrowingResolver(),
            AddressMap = map,
            ExtraCas = extraCas ?? [],
            Timeout = TimeSpan.FromMilliseconds(timeoutMs),
        });

    public System.Security.Cryptography.X509Certificates.X509Certificate2Collection TrustedCas => [Ca.Certificate];

    public static Target Target(string kind, string host, int port, string? alpn = null, string path = "/") =>
        new("test", $"{kind}-{host}", kind, host, port, Requirement.Required, Role.Primary, "g", "test") { Alpn = alpn, Path = path };

    public void Dispose()
    {
        _nginx.Dispose();
        _sServer.Dispose();
        Interceptor.Dispose();
        Ca.Dispose();
    }
}

[CollectionDefinition(TlsHttpNginx.Collection)]
public sealed class TlsHttpNginxCollection : ICollectionFixture<TlsHttpNginx>;

/// <summary>Every test name is address-mapped: resolving one would be a test bug (and traffic to a real host).</summary>
public sealed class ThrowingResolver : IResolver
{
    public string Describe => "none (tests map every name)";

    public Task<DnsAnswer> ResolveAsync(string name, Family family, CancellationToken timeout) =>
        throw new InvalidOperationException($"test tried to resolve {name}: map it with addressMap");
}

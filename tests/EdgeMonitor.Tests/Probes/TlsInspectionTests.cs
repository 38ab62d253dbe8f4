using System.Security.Cryptography.X509Certificates;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;
using static EdgeMonitor.Tests.Fixtures.TlsHttpNginx;

namespace EdgeMonitor.Tests.Probes;

/// <summary>
/// A TLS-inspecting proxy with its own CA in front of only the Disruptive Technologies names (one
/// registrable domain, as on a Cloud Connector 2nd Gen site), in a real nginx: one listener that
/// speaks h2, one that cannot. The CloudTrax name goes to the honest server.
/// </summary>
[Collection(TlsHttpNginx.Collection)]
public sealed class TlsInspectionTests : IDisposable
{
    private const string Grpc = "sds-receiver-grpc.prod.disruptive-technologies.com";
    private const string Manager = "ccon-manager.prod.disruptive-technologies.com";
    private const string Ap = "cloud_ap.cloudtrax.com";

    private readonly TlsHttpNginx _honest;
    private readonly TestCa _proxyCa;
    private readonly NginxServer _proxy;
    private readonly int _h2 = Ports.Free();
    private readonly int _noH2 = Ports.Free();

    public TlsInspectionTests(TlsHttpNginx honest)
    {
        _honest = honest;
        _proxyCa = new TestCa("Site Inspection CA", TempDir.Create("inspect"));
        // Long vendor names need a bigger server_name hash bucket than nginx's default.
        var sb = new System.Text.StringBuilder("server_names_hash_bucket_size 128;\n");
        foreach (string name in new[] { Grpc, Manager })
        {
            var forged = _proxyCa.Issue("forged-" + name, [name]);
            foreach (var (port, listen) in new[] { (_h2, "ssl http2"), (_noH2, "ssl") })
            {
                sb.AppendLine($$"""
                      server {
                        listen 127.0.0.1:{{port}} {{listen}};
                        server_name {{name}};
                        ssl_certificate {{forged.CertFile}};
                        ssl_certificate_key {{forged.KeyFile}};
                        location / { return 200 "inspected\n"; }
                      }
                    """);
            }
        }
        _proxy = NginxServer.Start(sb.ToString());
    }

    /// <summary>A built-in vendor target: a public service.</summary>
    private static Target Vendor(string host, string? alpn = null) => Target("tls", host, 443, alpn) with { Public = true };

    private ProbeRunner Runner(X509Certificate2Collection extraCas, bool lab = false, bool h2 = true) =>
        new(new ProbeEnvironment
        {
            Resolver = new ThrowingResolver(),
            AddressMap = Map((Grpc, h2 ? _h2 : _noH2), (Manager, h2 ? _h2 : _noH2), (Ap, _honest.Valid)),
            ExtraCas = extraCas,
            Lab = lab,
            Timeout = TimeSpan.FromSeconds(3),
        });

    private async Task<IReadOnlyList<ProbeResult>> Check(X509Certificate2Collection extraCas, bool lab = false, bool h2 = true) =>
        await Judged(Runner(extraCas, lab, h2), [Vendor(Grpc, "h2"), Vendor(Manager), Vendor(Ap)]);

    /// <summary>As the product judges a run: the probes, then the status evaluator's verdicts across targets.</summary>
    private static async Task<IReadOnlyList<ProbeResult>> Judged(ProbeRunner runner, IReadOnlyList<Target> targets) =>
        StatusEvaluator.Evaluate(targets, await runner.RunAllAsync(targets, default)).Results;

    [Fact]
    public async Task Inspection_of_one_vendor_domain_is_interception_and_says_to_exempt_the_hosts()
    {
        // probe.lab with the test CA: the honest CloudTrax server stands in for the vendor; the proxy CA is not trusted.
        var results = await Check([_honest.Ca.Certificate], lab: true);
        Assert.True(results[2].Pass, results[2].Detail);
        foreach (var r in results.Take(2))
        {
            Assert.True(r.Reason == Reason.TlsIntercepted, $"{r.Target.Host}: {r.Reason} {r.Detail}");
            Assert.Contains("exempt these hosts from inspection", r.Detail);
            Assert.Equal("CN=Site Inspection CA, O=EdgeMonitor Test", r.Issuer);
            Assert.DoesNotContain("refuses", r.Detail);
        }
    }

    [Fact]
    public async Task Adding_the_inspection_ca_as_extra_ca_never_makes_a_vendor_target_pass()
    {
        // What the old advice led to: the site's inspection CA in tls.extraCaFile.
        var results = await Check([_proxyCa.Certificate]);
        Assert.All(results.Take(2), r => Assert.Equal(Reason.TlsIntercepted, r.Reason));

        // A custom target behind the same proxy is the site's own business: the extra CA anchors it.
        var custom = Assert.Single(await Runner([_proxyCa.Certificate]).RunAsync(Target("tls", Manager, 443), default));
        Assert.True(custom.Pass, custom.Detail);
        Assert.Contains("trusted by an extra CA", custom.Detail);
        // ... and without it, a custom target's unknown chain stays tls_untrusted.
        var untrusted = Assert.Single(await Runner([]).RunAsync(Target("tls", Manager, 443), default));
        Assert.Equal(Reason.TlsUntrusted, untrusted.Reason);

        // probe.lab: the lab's CA stands in for the public roots, so the extra CA anchors vendor targets too.
        var lab = await Check([_proxyCa.Certificate], lab: true);
        Assert.All(lab.Take(2), r => Assert.True(r.Pass, r.Detail));
    }

    [Fact]
    public async Task An_inspecting_proxy_that_cannot_speak_h2_is_interception_and_it_refuses_h2()
    {
        var results = await Check([_honest.Ca.Certificate], lab: true, h2: false);
        ProbeResult grpc = results[0];
        Assert.True(grpc.Reason == Reason.TlsIntercepted, $"{grpc.Reason} {grpc.Detail}");
        Assert.Contains("and it refuses h2", grpc.Detail);
        Assert.Contains("exempt these hosts from inspection", grpc.Detail);
        // No ALPN asked for the manager: the same proxy is plain interception there.
        Assert.Equal(Reason.TlsIntercepted, results[1].Reason);
        Assert.DoesNotContain("refuses", results[1].Detail);
    }

    [Fact]
    public async Task The_trusted_service_itself_refusing_h2_is_a_protocol_failure()
    {
        // The honest server without h2, trusted (lab): nothing intercepts, the service refuses the protocol.
        var runner = new ProbeRunner(new ProbeEnvironment
        {
            Resolver = new ThrowingResolver(),
            AddressMap = Map((Grpc, _honest.Valid)),
            ExtraCas = [_honest.Ca.Certificate],
            Lab = true,
            Timeout = TimeSpan.FromSeconds(3),
        });
        var r = Assert.Single(await runner.RunAsync(Vendor(Grpc, "h2"), default));
        Assert.True(r.Reason == Reason.TlsProtocol, $"{r.Reason} {r.Detail}");
        Assert.Contains("the service itself refuses h2", r.Detail);
    }

    public void Dispose()
    {
        _proxy.Dispose();
        _proxyCa.Dispose();
    }
}

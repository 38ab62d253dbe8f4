using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;
using static EdgeMonitor.Tests.Fixtures.TlsHttpNginx;

namespace EdgeMonitor.Tests.Probes;

/// <summary>The tls probe against a real nginx with test-CA certificates, and real misbehaving sockets.</summary>
[Collection(TlsHttpNginx.Collection)]
public sealed class TlsProbeTests(TlsHttpNginx nginx)
{
    private const string Ap = "cloud_ap.cloudtrax.com";
    private const string Grpc = "sds-receiver-grpc.prod.disruptive-technologies.com";

    private async Task<ProbeResult> ProbeAsync(string host, int port, string? alpn = null, bool trustTestCa = true, int timeoutMs = 3000)
    {
        var runner = Runner(Map((host, port)), trustTestCa ? nginx.TrustedCas : null, timeoutMs);
        return Assert.Single(await runner.RunAsync(Target("tls", host, 443, alpn), default));
    }

    [Fact]
    public async Task Chain_from_an_extra_ca_passes_with_issuer_subject_and_days_to_expiry()
    {
        var r = await ProbeAsync(Ap, nginx.Valid);
        Assert.True(r.Pass, r.Detail);
        Assert.Equal(Reason.Ok, r.Reason);
        Assert.Contains("issuer 'CN=EdgeMonitor Test Root, O=EdgeMonitor Test'", r.Detail);
        Assert.Contains($"subject 'CN={LabNames[0]}'", r.Detail);
        Assert.Contains("(89 days)", r.Detail);
        Assert.Contains("TLSv1.3, trusted by an extra CA", r.Detail);
        Assert.Equal($"127.0.0.1:{nginx.Valid}", r.Address);
    }

    [Fact]
    public void Chain_anchored_in_the_system_store_passes_without_extra_cas()
    {
        var (exit, stdout, stderr) = CheckWithSystemStore(nginx.Ca.CertFile, Ap, nginx.Valid);
        Assert.True(exit == 0, $"exit {exit}: {stdout}{stderr}");
        Assert.Contains("trusted by the system store", stdout);
    }

    [Fact]
    public async Task Same_server_without_the_extra_ca_is_untrusted_and_names_the_issuer()
    {
        var r = await ProbeAsync(Ap, nginx.Valid, trustTestCa: false);
        Assert.False(r.Pass);
        Assert.Equal(Reason.TlsUntrusted, r.Reason);
        Assert.Equal("CN=EdgeMonitor Test Root, O=EdgeMonitor Test", r.Issuer);
    }

    [Fact]
    public async Task Expired_certificate_is_tls_expired()
    {
        var r = await ProbeAsync(Ap, nginx.Expired);
        Assert.Equal(Reason.TlsExpired, r.Reason);
        Assert.Contains("expired 2 hours ago", r.Detail);
    }

    [Fact]
    public async Task Certificate_not_yet_valid_is_tls_expired_and_points_at_the_clock()
    {
        var r = await ProbeAsync(Ap, nginx.NotYetValid);
        Assert.Equal(Reason.TlsExpired, r.Reason);
        Assert.Contains("is the clock right?", r.Detail);
    }

    [Fact]
    public async Task Certificate_for_another_name_is_tls_name_mismatch()
    {
        var r = await ProbeAsync(Ap, nginx.WrongName);
        Assert.Equal(Reason.TlsNameMismatch, r.Reason);
        Assert.Contains("portal.wrong-name.example", r.Detail);
    }

    [Fact]
    public async Task Alpn_h2_passes_when_selected_and_is_tls_protocol_when_not()
    {
        var h2 = await ProbeAsync(Grpc, nginx.H2, alpn: "h2");
        Assert.True(h2.Pass, h2.Detail);
        Assert.Contains("ALPN h2", h2.Detail);

        // nginx without h2 refuses the offer with an alert; openssl s_server ignores it and completes.
        var refused = await ProbeAsync(Grpc, nginx.Valid, alpn: "h2");
        Assert.Equal(Reason.TlsProtocol, refused.Reason);
        Assert.Contains("does not speak ALPN h2", refused.Detail);
        Assert.Contains("no_application_protocol", refused.Detail);

        var ignored = await ProbeAsync(Grpc, nginx.IgnoresAlpn, alpn: "h2");
        Assert.Equal(Reason.TlsProtocol, ignored.Reason);
        Assert.Contains("did not select ALPN h2 (selected: none)", ignored.Detail);

        var withoutAlpn = await ProbeAsync(Grpc, nginx.IgnoresAlpn);
        Assert.True(withoutAlpn.Pass, withoutAlpn.Detail);
    }

    [Fact]
    public async Task Handshake_alert_is_tls_protocol()
    {
        var r = await ProbeAsync(Ap, nginx.RejectHandshake);
        Assert.Equal(Reason.TlsProtocol, r.Reason);
        Assert.Contains("TLS alert", r.Detail);
    }

    [Fact]
    public async Task Plain_http_answer_on_the_tls_port_is_tls_protocol()
    {
        var r = await ProbeAsync(Ap, nginx.Http);
        Assert.Equal(Reason.TlsProtocol, r.Reason);
        Assert.Contains("not TLS: 'HTTP/1.1 400", r.Detail);
    }

    [Fact]
    public async Task Listener_that_accepts_and_never_speaks_is_tls_timeout()
    {
        using var silent = HttpRawListener.Silent();
        var r = await ProbeAsync(Ap, silent.Port, timeoutMs: 1200);
        Assert.Equal(Reason.TlsTimeout, r.Reason);
        // The neutral-name handshake was tried too (and stalled as well): not SNI filtering.
        Assert.True(silent.Accepted >= 2 || await Eventually(() => silent.Accepted >= 2), $"accepted {silent.Accepted}");
    }

    [Fact]
    public async Task Server_resetting_every_handshake_is_tcp_reset_not_sni_filtering()
    {
        using var reset = HttpRawListener.Reset();
        var r = await ProbeAsync(Ap, reset.Port);
        Assert.Equal(Reason.TcpReset, r.Reason);
        Assert.Contains("reset at the ClientHello", r.Detail);
    }

    [Fact]
    public async Task Closed_port_is_tcp_refused()
    {
        var r = await ProbeAsync(Ap, Ports.Free());
        Assert.Equal(Reason.TcpRefused, r.Reason);
    }

    [Fact]
    public async Task One_forged_chain_is_untrusted_but_one_issuer_for_unrelated_domains_is_interception()
    {
        // One name alone: just an untrusted certificate.
        var single = await ProbeAsync(Ap, nginx.Intercepting);
        Assert.Equal(Reason.TlsUntrusted, single.Reason);
        Assert.Equal("CN=Inspection Firewall CA, O=EdgeMonitor Test", single.Issuer);

        // Two names of one domain: still not enough to call it interception.
        var sameDomain = await Judged(Runner(Map((Ap, nginx.Intercepting), ("router.cloudtrax.com", nginx.Intercepting)), nginx.TrustedCas),
            [Target("tls", Ap, 443), Target("tls", "router.cloudtrax.com", 443)]);
        Assert.All(sameDomain, r => Assert.Equal(Reason.TlsUntrusted, r.Reason));

        // The same issuer for cloudtrax.com and disruptive-technologies.com: TLS inspection.
        const string dt = "ccon-manager.prod.disruptive-technologies.com";
        var results = await Judged(Runner(Map((Ap, nginx.Intercepting), (dt, nginx.Intercepting), ("checkin.cloudtrax.com", nginx.Valid)), nginx.TrustedCas),
            [Target("tls", Ap, 443), Target("tls", dt, 443), Target("tls", "checkin.cloudtrax.com", 443)]);
        Assert.Equal(Reason.TlsIntercepted, results[0].Reason);
        Assert.Equal(Reason.TlsIntercepted, results[1].Reason);
        Assert.Contains("TLS inspection", results[0].Detail);
        Assert.Contains($"subject 'CN={dt}'", results[1].Detail);
        Assert.True(results[2].Pass, results[2].Detail);
    }

    /// <summary>As the product judges a run: the probes, then the status evaluator's verdicts across targets.</summary>
    private static async Task<IReadOnlyList<ProbeResult>> Judged(ProbeRunner runner, IReadOnlyList<Target> targets) =>
        StatusEvaluator.Evaluate(targets, await runner.RunAllAsync(targets, default)).Results;

    private static async Task<bool> Eventually(Func<bool> condition)
    {
        for (int i = 0; i < 100 && !condition(); i++)
            await Task.Delay(50);
        return condition();
    }
}

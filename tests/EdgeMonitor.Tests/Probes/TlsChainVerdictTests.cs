using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;
using static EdgeMonitor.Tests.Fixtures.TlsHttpNginx;

namespace EdgeMonitor.Tests.Probes;

/// <summary>
/// Chain verdicts kept across probes (ChainVerdicts) against a real nginx: the same chain is
/// built against the system store once, any other certificate is judged at once, and a kept
/// verdict ends with its lifetime or its certificates' validity.
/// </summary>
[Collection(TlsHttpNginx.Collection)]
public sealed class TlsChainVerdictTests(TlsHttpNginx nginx)
{
    private const string Ap = "cloud_ap.cloudtrax.com";

    /// <summary>The real clock moved by <see cref="Shift"/>: time passes for the verdicts without waiting.</summary>
    private sealed class ShiftedTime : TimeProvider
    {
        public TimeSpan Shift;
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + Shift;
    }

    private ProbeEnvironment Environment(int port, TimeProvider? time = null) => new()
    {
        Resolver = new ThrowingResolver(),
        AddressMap = Map((Ap, port)),
        ExtraCas = nginx.TrustedCas,
        Timeout = TimeSpan.FromSeconds(3),
        Time = time ?? TimeProvider.System,
    };

    private static async Task<ProbeResult> ProbeAsync(ProbeEnvironment env) =>
        Assert.Single(await new ProbeRunner(env).RunAsync(Target("tls", Ap, 443), default));

    [Fact]
    public async Task The_same_chain_is_built_against_the_system_store_once_and_judged_alike_each_time()
    {
        var env = Environment(nginx.Valid);
        for (int i = 0; i < 3; i++)
        {
            var r = await ProbeAsync(env);
            Assert.True(r.Pass, r.Detail);
            Assert.Contains("trusted by an extra CA", r.Detail);
        }
        Assert.Equal(1, env.ChainVerdicts.Builds);
    }

    [Fact]
    public async Task Another_certificate_for_the_same_name_is_judged_on_its_own_at_once()
    {
        var env = Environment(nginx.Valid);
        Assert.True((await ProbeAsync(env)).Pass);

        // The same table, the name now answered by an inspecting firewall's forged certificate.
        var forged = await ProbeAsync(env with { AddressMap = Map((Ap, nginx.Intercepting)) });
        Assert.Equal(Reason.TlsUntrusted, forged.Reason);
        Assert.Equal("CN=Inspection Firewall CA, O=EdgeMonitor Test", forged.Issuer);
        Assert.Equal(2, env.ChainVerdicts.Builds);

        // Without the extra CA the kept "trusted" verdict does not apply either.
        var bare = await ProbeAsync(env with { ExtraCas = [] });
        Assert.Equal(Reason.TlsUntrusted, bare.Reason);
        Assert.Equal(3, env.ChainVerdicts.Builds);
    }

    [Fact]
    public async Task A_kept_verdict_ends_after_its_lifetime()
    {
        var time = new ShiftedTime();
        var env = Environment(nginx.Valid, time);
        Assert.True((await ProbeAsync(env)).Pass);
        time.Shift = ChainVerdicts.Lifetime - TimeSpan.FromSeconds(5);
        Assert.True((await ProbeAsync(env)).Pass);
        Assert.Equal(1, env.ChainVerdicts.Builds);

        time.Shift = ChainVerdicts.Lifetime + TimeSpan.FromSeconds(1);
        Assert.True((await ProbeAsync(env)).Pass);
        Assert.Equal(2, env.ChainVerdicts.Builds);
    }

    [Fact]
    public async Task A_verdict_on_an_expired_certificate_is_never_kept()
    {
        var env = Environment(nginx.Expired);
        Assert.Equal(Reason.TlsExpired, (await ProbeAsync(env)).Reason);
        Assert.Equal(Reason.TlsExpired, (await ProbeAsync(env)).Reason);
        Assert.Equal(2, env.ChainVerdicts.Builds);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_system_store_is_reached_through_the_intermediate_the_server_sends(bool sendIntermediate)
    {
        // Public services send leaf + intermediate. The system-store build runs outside the
        // handshake, so it must get the intermediates the server sent; without them: untrusted.
        using var root = new TestCa("EdgeMonitor Chain Root");
        using var intermediate = root.Intermediate("EdgeMonitor Chain Intermediate");
        var (crt, key) = intermediate.Issue("chained", [Ap]);
        int port = Ports.Free();
        string[] chain = sendIntermediate ? ["-cert_chain", intermediate.CertFile] : [];
        using var server = ServerProcess.Start("openssl",
            ["s_server", "-accept", $"127.0.0.1:{port}", "-cert", crt, "-key", key, .. chain, "-www", "-quiet"]);
        server.WaitForTcp(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, port));

        var (exit, stdout, stderr) = CheckWithSystemStore(root.CertFile, Ap, port);
        if (sendIntermediate)
        {
            Assert.True(exit == 0, $"exit {exit}: {stdout}{stderr}");
            Assert.Contains("trusted by the system store", stdout);
        }
        else
        {
            Assert.NotEqual(0, exit);
            Assert.Contains("tls_untrusted", stdout);
        }
    }
}

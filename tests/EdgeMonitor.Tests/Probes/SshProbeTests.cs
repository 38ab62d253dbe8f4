using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Fixtures;
using static EdgeMonitor.Tests.Fixtures.TlsHttpNginx;

namespace EdgeMonitor.Tests.Probes;

/// <summary>The ssh probe (CloudTrax support tunnel) against a real sshd, a real nginx and real silent or resetting sockets.</summary>
[Collection(TlsHttpNginx.Collection)]
public sealed class SshProbeTests(TlsHttpNginx nginx) : IDisposable
{
    private const string Vpn = "vpn.cloudtrax.com";
    private SshServer? _sshd;

    private SshServer Sshd => _sshd ??= new SshServer();

    private static async Task<ProbeResult> ProbeAsync(string kind, int port, int timeoutMs = 3000)
    {
        var runner = Runner(Map((Vpn, port)), timeoutMs: timeoutMs);
        return Assert.Single(await runner.RunAsync(Target(kind, Vpn, 18991), default));
    }

    [SshFact]
    public async Task Real_sshd_identification_passes()
    {
        var r = await ProbeAsync("ssh", Sshd.Port);
        Assert.True(r.Pass, r.Detail);
        Assert.Contains("'SSH-2.0-OpenSSH_", r.Detail);
    }

    [SshFact]
    public async Task Sshd_on_a_web_or_tls_port_is_bad_http_and_not_tls()
    {
        var http = await ProbeAsync("http", Sshd.Port);
        Assert.Equal(Reason.HttpBadResponse, http.Reason);
        Assert.Contains("'SSH-2.0-OpenSSH_", http.Detail);

        var tls = await ProbeAsync("tls", Sshd.Port);
        Assert.Equal(Reason.TlsProtocol, tls.Reason);
        Assert.Contains("not TLS: 'SSH-2.0-OpenSSH", tls.Detail);
    }

    [Fact]
    public async Task Web_server_on_the_tunnel_port_is_ssh_no_banner()
    {
        var r = await ProbeAsync("ssh", nginx.Http);
        Assert.Equal(Reason.SshNoBanner, r.Reason);
        Assert.Contains("answered 'HTTP/1.1 400 Bad Request'", r.Detail);
    }

    [Fact]
    public async Task Silent_listener_is_ssh_no_banner()
    {
        using var silent = HttpRawListener.Silent();
        var r = await ProbeAsync("ssh", silent.Port, timeoutMs: 800);
        Assert.Equal(Reason.SshNoBanner, r.Reason);
        Assert.Contains("no SSH identification within 800 ms", r.Detail);
    }

    [Fact]
    public async Task Ssh1_only_server_is_ssh_no_banner()
    {
        using var old = HttpRawListener.Answer("SSH-1.5-OldServer\r\n"u8.ToArray(), close: false);
        var r = await ProbeAsync("ssh", old.Port);
        Assert.Equal(Reason.SshNoBanner, r.Reason);
        Assert.Contains("SSH-1 only", r.Detail);
    }

    [Fact]
    public async Task Reset_is_tcp_reset()
    {
        using var reset = HttpRawListener.Reset();
        var r = await ProbeAsync("ssh", reset.Port);
        Assert.Equal(Reason.TcpReset, r.Reason);
    }

    public void Dispose() => _sshd?.Dispose();
}

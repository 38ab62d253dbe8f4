using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Fixtures;
using static EdgeMonitor.Tests.Fixtures.TlsHttpNginx;

namespace EdgeMonitor.Tests.Probes;

/// <summary>
/// An honest but slow TLS server is never an SNI filter: a TCP proxy in front of the real nginx
/// passes every byte, only late. SNI filtering is what a filter does right after the ClientHello
/// (reset, close, silence), which <see cref="TlsSniFilterTests"/> shows with real iptables rules.
/// </summary>
[Collection(TlsHttpNginx.Collection)]
public sealed class TlsSlowServerTests(TlsHttpNginx nginx)
{
    private const string Ap = "cloud_ap.cloudtrax.com";
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);

    private async Task<ProbeResult> ProbeThrough(SlowProxy proxy)
    {
        var runner = Runner(Map((Ap, proxy.Port)), nginx.TrustedCas, (int)Budget.TotalMilliseconds);
        return Assert.Single(await runner.RunAsync(Target("tls", Ap, 443), default));
    }

    [Fact]
    public async Task A_first_handshake_answered_late_is_not_sni_filtered()
    {
        // Silent past half the budget on the first connection (a cold cache, a stapling fetch),
        // quick on every later one: the neutral-name handshake completes first, yet the real one
        // was only slow and completes too.
        using var proxy = new SlowProxy(nginx.Valid, connection => connection == 0 ? Budget * 0.7 : TimeSpan.Zero, pieces: 1);
        var r = await ProbeThrough(proxy);
        Assert.NotEqual(Reason.TlsSniFiltered, r.Reason);
        Assert.True(r.Pass || r.Reason == Reason.TlsTimeout, $"{r.Reason}: {r.Detail}");
    }

    [Fact]
    public async Task A_handshake_still_progressing_when_time_runs_out_is_a_timeout_not_a_filter()
    {
        // Every connection trickles the server's flight in small late pieces: the handshake is
        // progressing past half the budget, and the whole of it.
        using var proxy = new SlowProxy(nginx.Valid, _ => Budget * 0.3, pieces: 8);
        var r = await ProbeThrough(proxy);
        Assert.NotEqual(Reason.TlsSniFiltered, r.Reason);
        Assert.True(r.Pass || r.Reason == Reason.TlsTimeout, $"{r.Reason}: {r.Detail}");
        if (!r.Pass)
            Assert.Contains("slow, not filtered", r.Detail);
    }

    /// <summary>
    /// Loopback TCP proxy: client bytes go through at once; each read from the server is held
    /// for delay(connection index), then passed on in up to <c>pieces</c> parts, each held again.
    /// </summary>
    private sealed class SlowProxy : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly int _upstream;
        private readonly Func<int, TimeSpan> _delay;
        private readonly int _pieces;

        public SlowProxy(int upstream, Func<int, TimeSpan> delay, int pieces)
        {
            (_upstream, _delay, _pieces) = (upstream, delay, pieces);
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        private async Task AcceptAsync()
        {
            for (int n = 0; !_stop.IsCancellationRequested; n++)
            {
                TcpClient client;
                try
                {
                    client = await _listener.AcceptTcpClientAsync(_stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    return;
                }
                _ = RelayAsync(client, _delay(n));
            }
        }

        private async Task RelayAsync(TcpClient client, TimeSpan delay)
        {
            using (client)
            using (var server = new TcpClient())
            {
                try
                {
                    await server.ConnectAsync(IPAddress.Loopback, _upstream, _stop.Token);
                    Stream c = client.GetStream(), s = server.GetStream();
                    Task up = c.CopyToAsync(s, _stop.Token);
                    var buf = new byte[16384];
                    int got;
                    while ((got = await s.ReadAsync(buf, _stop.Token)) > 0)
                    {
                        int size = Math.Max(1, (got + _pieces - 1) / _pieces);
                        for (int at = 0; at < got; at += size)
                        {
                            await Task.Delay(delay, _stop.Token);
                            await c.WriteAsync(buf.AsMemory(at, Math.Min(size, got - at)), _stop.Token);
                        }
                    }
                    await up;
                }
                catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    // The probe hung up: nothing to pass on.
                }
            }
        }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }
    }
}

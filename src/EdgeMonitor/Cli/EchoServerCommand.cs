using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using EdgeMonitor.Net;

namespace EdgeMonitor.Cli;

/// <summary>
/// The NOC companion of the idle check: a small TCP echo server. Bounded: a cap on open
/// connections (extra ones are closed at once), on bytes per connection and on how long a
/// connection may stay silent, so it can face the internet without becoming a resource sink.
/// </summary>
public static class EchoServerCommand
{
    public static Verb Verb { get; } = new("echo-server", "a small TCP echo server for the idle-timeout check (run by the NOC)",
        """
        usage: edgemonitor echo-server --listen ADDR:PORT [--listen ADDR:PORT]...
                                       [--max-connections N] [--max-silence-seconds S] [--max-bytes B]

        Echoes every byte back. Point `idle` targets (host, port, idleSeconds) at it.
          --listen ADDR:PORT        e.g. 0.0.0.0:7007 or [::]:7007 (repeatable)
          --max-connections N       open connections at most (default 256); more are closed at once
          --max-silence-seconds S   close a connection silent this long (default 3900: idle checks up to an hour)
          --max-bytes B             close a connection after echoing this many bytes (default 65536)

        Stops on SIGTERM or SIGINT. exit: 0 stopped, 64 usage error, 70 cannot listen

        """, RunAsync);

    private static async Task<int> RunAsync(Args args)
    {
        List<string> listen = args.Options("--listen");
        int maxConnections = args.IntOption("--max-connections", 1, 100_000) ?? 256;
        int maxSilence = args.IntOption("--max-silence-seconds", 1, 86_400) ?? 3900;
        int maxBytes = args.IntOption("--max-bytes", 64, 1 << 30) ?? 65536;
        args.EnsureEmpty();
        if (listen.Count == 0)
            throw new UsageException("--listen ADDR:PORT is required");
        var endpoints = new List<IPEndPoint>();
        foreach (string l in listen)
        {
            if (!IPEndPoint.TryParse(l, out IPEndPoint? ep) || ep.Port == 0)
                throw new UsageException($"--listen '{l}' is not ADDR:PORT (e.g. 0.0.0.0:7007 or [::]:7007)");
            endpoints.Add(ep);
        }

        using var stop = new CancellationTokenSource();
        void OnStop(PosixSignalContext c)
        {
            c.Cancel = true;
            stop.Cancel();
        }
        using var term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnStop);
        using var intr = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnStop);

        var listeners = new List<TcpListener>();
        try
        {
            foreach (IPEndPoint ep in endpoints)
            {
                var l = new TcpListener(ep);
                if (ep.AddressFamily == AddressFamily.InterNetworkV6)
                    l.Server.DualMode = false;
                l.Start(backlog: 64);
                listeners.Add(l);
                Console.Out.WriteLine($"echo-server listening on {l.LocalEndpoint}");
            }
        }
        catch (SocketException e)
        {
            Console.Error.WriteLine($"edgemonitor echo-server: cannot listen: {e.Message}");
            foreach (var l in listeners)
                l.Dispose();
            return ExitCodes.Software;
        }
        Console.Out.Flush();

        var server = new Server(maxConnections, TimeSpan.FromSeconds(maxSilence), maxBytes);
        try
        {
            await Task.WhenAll(listeners.Select(l => server.AcceptLoopAsync(l, stop.Token))).ConfigureAwait(false);
        }
        finally
        {
            foreach (var l in listeners)
                l.Dispose();
        }
        return ExitCodes.Ok;
    }

    private sealed class Server(int maxConnections, TimeSpan maxSilence, int maxBytes)
    {
        private int _open;

        public async Task AcceptLoopAsync(TcpListener listener, CancellationToken stop)
        {
            while (!stop.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptSocketAsync(stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (SocketException)
                {
                    continue; // a connection that died in the backlog
                }
                if (Interlocked.Increment(ref _open) > maxConnections)
                {
                    Interlocked.Decrement(ref _open);
                    client.Dispose();
                    continue;
                }
                _ = ServeAsync(client, stop);
            }
        }

        private async Task ServeAsync(Socket client, CancellationToken stop)
        {
            byte[] buffer = new byte[512];
            long echoed = 0;
            try
            {
                using (client)
                {
                    while (echoed < maxBytes)
                    {
                        using var silence = CancellationTokenSource.CreateLinkedTokenSource(stop);
                        silence.CancelAfter(maxSilence);
                        int n = await client.ReceiveAsync(buffer, SocketFlags.None, silence.Token).ConfigureAwait(false);
                        if (n == 0)
                            break;
                        n = (int)Math.Min(n, maxBytes - echoed);
                        await client.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, silence.Token).ConfigureAwait(false);
                        echoed += n;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // Silence limit, stop, or a peer gone: close and forget.
            }
            finally
            {
                Interlocked.Decrement(ref _open);
            }
        }
    }
}

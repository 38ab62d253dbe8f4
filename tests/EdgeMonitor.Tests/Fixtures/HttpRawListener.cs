using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Fixtures;

/// <summary>
/// A real loopback TCP server that misbehaves in one chosen way: accepts and never speaks,
/// answers with fixed bytes (garbage, truncated or endless headers), or resets the connection
/// once the client has spoken. For the hostile-server cases no packaged server produces.
/// </summary>
public sealed class HttpRawListener : IDisposable
{
    private enum Mode { Silent, Answer, Reset }

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Mode _mode;
    private readonly byte[] _answer;
    private readonly bool _closeAfterAnswer;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many connections were accepted (to prove a probe connected twice, for instance).</summary>
    public int Accepted
    {
        get
        {
            lock (_accepted)
                return _accepted.Count;
        }
    }

    private HttpRawListener(Mode mode, byte[] answer, bool closeAfterAnswer)
    {
        _mode = mode;
        _answer = answer;
        _closeAfterAnswer = closeAfterAnswer;
        _listener.Start();
        _ = Task.Run(AcceptLoopAsync);
    }

    /// <summary>Accepts TCP and never sends a byte.</summary>
    public static HttpRawListener Silent() => new(Mode.Silent, [], false);

    /// <summary>Sends <paramref name="answer"/> as soon as a client connects; closes afterwards or holds the connection open.</summary>
    public static HttpRawListener Answer(byte[] answer, bool close = true) => new(Mode.Answer, answer, close);

    /// <summary>Resets (RST) every connection once the client has sent something.</summary>
    public static HttpRawListener Reset() => new(Mode.Reset, [], false);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket s;
            try
            {
                s = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            lock (_accepted)
                _accepted.Add(s);
            _ = Task.Run(() => ServeAsync(s));
        }
    }

    private async Task ServeAsync(Socket s)
    {
        try
        {
            var buf = new byte[4096];
            switch (_mode)
            {
                case Mode.Answer:
                    await s.SendAsync(_answer, SocketFlags.None, _stop.Token);
                    if (_closeAfterAnswer)
                    {
                        s.Shutdown(SocketShutdown.Send);
                        // Drain until the client closes, so the close is a clean FIN, not a reset.
                        while (await s.ReceiveAsync(buf, SocketFlags.None, _stop.Token) > 0)
                        {
                        }
                    }
                    break;
                case Mode.Reset:
                    await s.ReceiveAsync(buf, SocketFlags.None, _stop.Token);
                    s.LingerState = new LingerOption(true, 0);
                    s.Close();
                    break;
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_accepted)
        {
            foreach (Socket s in _accepted)
                s.Dispose();
        }
        _stop.Dispose();
    }
}

using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Infrastructure;

/// <summary>Free loopback ports for servers that cannot take port 0 themselves.</summary>
public static class Ports
{
    private static int _next = 20000 + (Environment.ProcessId % 200) * 100;

    /// <summary>A TCP and UDP port free on 127.0.0.1 and ::1 right now.</summary>
    public static int Free()
    {
        for (int i = 0; i < 1000; i++)
        {
            int port = Interlocked.Increment(ref _next);
            if (port > 60000)
                Interlocked.Exchange(ref _next, 20000);
            if (IsFree(port))
                return port;
        }
        throw new InvalidOperationException("no free port");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var t = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            t.Bind(new IPEndPoint(IPAddress.Loopback, port));
            using var u = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            u.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

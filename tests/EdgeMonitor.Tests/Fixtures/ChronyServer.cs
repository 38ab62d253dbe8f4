using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Fixtures;

/// <summary>
/// A real chronyd serving NTP on a free port on 127.0.0.1 and ::1. `-x` so it never touches the system
/// clock; no sources. With <c>local</c> it serves its own clock at stratum 8 (synchronized);
/// without it, it answers as unsynchronized (leap alarm, stratum 0).
/// </summary>
public sealed class ChronyServer : IDisposable
{
    private readonly ServerProcess _process;

    public IPEndPoint Endpoint { get; }

    public string Output => _process.Output;

    private ChronyServer(ServerProcess process, IPEndPoint endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    public static ChronyServer Start(bool local = true)
    {
        int port = Ports.Free();
        string dir = TempDir.Create("chrony");
        string conf = Path.Combine(dir, "chrony.conf");
        File.WriteAllText(conf, $"""
            port {port}
            bindaddress 127.0.0.1
            bindaddress ::1
            {(local ? "local stratum 8" : "")}
            allow 127.0.0.1
            allow ::1
            cmdport 0
            pidfile {dir}/chronyd.pid
            driftfile {dir}/drift
            """);
        string chronyd = RequiresFactAttribute.Which("chronyd") ?? throw new InvalidOperationException("chronyd not installed");
        var server = ServerProcess.Start(chronyd, ["-d", "-x", "-f", conf], workingDirectory: dir);
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        try
        {
            // Ready when it answers; the local one also when it says it is synchronized.
            server.WaitFor(() => Query(endpoint) is { } lvm && (!local || lvm >> 6 != NtpPacket.LeapAlarm), $"NTP answer on {endpoint}");
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return new ChronyServer(server, endpoint);
    }

    /// <summary>One raw mode-3 exchange; the reply's first byte (LI, VN, mode), or null.</summary>
    private static byte? Query(IPEndPoint endpoint)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 200 };
        byte[] req = new byte[NtpPacket.Length];
        NtpPacket.Request(0x1234_5678_9ABC_DEF0).WriteTo(req);
        try
        {
            s.SendTo(req, endpoint);
            byte[] reply = new byte[512];
            return s.Receive(reply) >= NtpPacket.Length ? reply[0] : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    public void Dispose() => _process.Dispose();
}

using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Fixtures;

/// <summary>
/// A hostile or broken NTP server for what chronyd will not do on demand: kiss-of-death
/// codes, replies with a wrong origin timestamp, garbage. A real UDP socket on loopback; each
/// request is answered by <c>respond</c> (request bytes in, datagrams out).
/// </summary>
public sealed class FakeNtpServer : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _requests;

    public IPEndPoint Endpoint { get; }

    public int Requests => Volatile.Read(ref _requests);

    public FakeNtpServer(Func<NtpPacket, IEnumerable<byte[]>> respond)
    {
        _socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        Endpoint = (IPEndPoint)_socket.LocalEndPoint!;
        _loop = Task.Run(async () =>
        {
            byte[] buf = new byte[512];
            while (!_stop.IsCancellationRequested)
            {
                SocketReceiveFromResult r;
                try
                {
                    r = await _socket.ReceiveFromAsync(buf, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
                {
                    if (_stop.IsCancellationRequested)
                        return;
                    continue;
                }
                Interlocked.Increment(ref _requests);
                if (!NtpPacket.TryParse(buf.AsSpan(0, r.ReceivedBytes), out NtpPacket request))
                    continue;
                foreach (byte[] d in respond(request))
                    await _socket.SendToAsync(d, r.RemoteEndPoint);
            }
        });
    }

    /// <summary>A well-formed server reply (stratum 2, now) to a request, to be altered by tests.</summary>
    public static NtpPacket Reply(NtpPacket request, DateTimeOffset? now = null)
    {
        ulong t = NtpTime.FromDateTime(now ?? DateTimeOffset.UtcNow);
        return new NtpPacket(NtpPacket.LeapNone, 4, NtpPacket.ModeServer, 2, 6, -20, 0x0000_0100, 0x0000_0200,
            0x7F00_0001, t, request.TransmitTimestamp, t, t);
    }

    /// <summary>A kiss-of-death: stratum 0 and the ASCII code as reference id (RFC 5905 7.4).</summary>
    public static NtpPacket KissOfDeath(NtpPacket request, string code) =>
        Reply(request) with
        {
            Leap = NtpPacket.LeapAlarm,
            Stratum = 0,
            ReferenceId = (uint)(code[0] << 24 | code[1] << 16 | code[2] << 8 | code[3]),
            ReceiveTimestamp = 0,
            TransmitTimestamp = 0,
        };

    public static byte[] Bytes(NtpPacket p)
    {
        byte[] b = new byte[NtpPacket.Length];
        p.WriteTo(b);
        return b;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        try
        {
            _loop.Wait(2000);
        }
        catch (AggregateException)
        {
        }
        _stop.Dispose();
    }
}

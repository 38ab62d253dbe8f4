using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Model;

namespace EdgeMonitor.Net;

/// <summary>TCP connect shared by every TCP-based probe, with the failure told apart by errno.</summary>
public static class Connector
{
    /// <summary>What a failed connect reports, for every kind that connects over TCP.</summary>
    public static IReadOnlyList<Reason> Reasons { get; } = [Reason.TcpRefused, Reason.TcpTimeout, Reason.TcpUnreachable, Reason.TcpReset];

    /// <summary>Connects, or returns the failure as an outcome (refused, dropped, unreachable, reset).</summary>
    public static async Task<(Socket? Socket, ProbeOutcome? Failure)> ConnectAsync(IPEndPoint endpoint, CancellationToken timeout)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endpoint, timeout).ConfigureAwait(false);
            return (socket, null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            socket.Dispose();
            return (null, ProbeOutcome.Fail(Reason.TcpTimeout, $"no answer from {endpoint} (silently dropped)"));
        }
        catch (SocketException e)
        {
            socket.Dispose();
            return (null, FromSocketError(e.SocketErrorCode, endpoint));
        }
    }

    public static ProbeOutcome FromSocketError(SocketError error, IPEndPoint endpoint) => error switch
    {
        SocketError.ConnectionRefused => ProbeOutcome.Fail(Reason.TcpRefused, $"{endpoint} refused the connection"),
        SocketError.TimedOut => ProbeOutcome.Fail(Reason.TcpTimeout, $"no answer from {endpoint} (silently dropped)"),
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown =>
            ProbeOutcome.Fail(Reason.TcpReset, $"{endpoint} reset the connection"),
        SocketError.NetworkUnreachable or SocketError.HostUnreachable or SocketError.NetworkDown
            or SocketError.AddressNotAvailable or SocketError.AddressFamilyNotSupported =>
            ProbeOutcome.Fail(Reason.TcpUnreachable, $"{endpoint} unreachable ({error})"),
        _ => ProbeOutcome.Fail(Reason.TcpUnreachable, $"{endpoint}: {error}"),
    };
}

using System.Buffers;
using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Probes;

/// <summary>
/// kind ssh: the CloudTrax support tunnel (18991). A TCP connect alone can be answered by a
/// transparent proxy or a block page; an SSH identification line (RFC 4253 section 4.2,
/// "SSH-2.0-" or the compatible "SSH-1.99-") proves a real SSH server answered. Anything else,
/// or nothing within the timeout, is ssh_no_banner.
/// </summary>
public sealed class SshProbe : IProbe
{
    /// <summary>RFC 4253 lets a server send other lines before its identification; this bounds them.</summary>
    internal const int Cap = 4096;

    /// <summary>Both sides send their identification at once (RFC 4253 4.2); sending ours makes a web server or proxy answer at once.</summary>
    private static ReadOnlySpan<byte> Identification => "SSH-2.0-EdgeMonitor_probe\r\n"u8;

    public const string Name = "ssh";
    public string Kind => Name;
    public Transport Transport => Transport.Tcp;
    public Reason TimeoutReason => Reason.SshNoBanner;
    public IReadOnlyList<Reason> Reasons { get; } = [Reason.SshNoBanner, Reason.TcpReset];

    public async Task<ProbeOutcome> ProbeAsync(ProbeContext ctx)
    {
        IPEndPoint endpoint = ctx.RequireEndpoint();
        var (socket, failure) = await Connector.ConnectAsync(endpoint, ctx.Timeout).ConfigureAwait(false);
        if (socket is null)
            return failure!;
        byte[] buf = ArrayPool<byte>.Shared.Rent(Cap);
        int filled = 0;
        try
        {
            Identification.CopyTo(buf);
            await socket.SendAsync(buf.AsMemory(0, Identification.Length), SocketFlags.None, ctx.Timeout).ConfigureAwait(false);
            int lineStart = 0;
            while (true)
            {
                // Judge every complete line received so far.
                int nl;
                while ((nl = buf.AsSpan(lineStart, filled - lineStart).IndexOf((byte)'\n')) >= 0)
                {
                    ReadOnlySpan<byte> line = buf.AsSpan(lineStart, nl).TrimEnd((byte)'\r');
                    if (line.StartsWith("SSH-2.0-"u8) || line.StartsWith("SSH-1.99-"u8))
                        return ProbeOutcome.Ok($"SSH server: '{Printable(line)}'");
                    if (line.StartsWith("SSH-"u8))
                        return ProbeOutcome.Fail(Reason.SshNoBanner, $"'{Printable(line)}': an SSH-1 only server, not SSH-2");
                    lineStart += nl + 1;
                }
                if (filled == Cap)
                    return NoBanner(endpoint, buf.AsSpan(0, filled), $"{Cap} bytes without an SSH identification");
                int n = await socket.ReceiveAsync(buf.AsMemory(filled, Cap - filled), SocketFlags.None, ctx.Timeout).ConfigureAwait(false);
                if (n == 0)
                    return NoBanner(endpoint, buf.AsSpan(0, filled), "closed the connection without an SSH identification");
                filled += n;
            }
        }
        catch (OperationCanceledException) when (ctx.Timeout.IsCancellationRequested)
        {
            return NoBanner(endpoint, buf.AsSpan(0, filled), $"no SSH identification within {ctx.Environment.Timeout.TotalMilliseconds:0} ms");
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted
                ? ProbeOutcome.Fail(Reason.TcpReset, $"{endpoint} reset the connection before an SSH identification")
                : Connector.FromSocketError(e.SocketErrorCode, endpoint);
        }
        finally
        {
            socket.Dispose();
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    private static ProbeOutcome NoBanner(IPEndPoint endpoint, ReadOnlySpan<byte> received, string what)
    {
        int nl = received.IndexOf((byte)'\n');
        ReadOnlySpan<byte> first = (nl < 0 ? received : received[..nl]).TrimEnd((byte)'\r');
        string answered = first.IsEmpty ? "" : $"; it answered '{Printable(first)}' (a proxy, web server or block page?)";
        return ProbeOutcome.Fail(Reason.SshNoBanner, $"{endpoint} accepted TCP but {what}{answered}");
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        int n = Math.Min(bytes.Length, 120);
        Span<char> chars = stackalloc char[n];
        for (int i = 0; i < n; i++)
            chars[i] = bytes[i] is >= 0x20 and < 0x7f ? (char)bytes[i] : '.';
        return new string(chars);
    }
}

using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Probes;

/// <summary>
/// kind http: plain HTTP/1.1 GET of the target's path with Host = the target's name. Any answer
/// from the origin passes (404, 401, 5xx too: the firewall let it through); a redirect to another
/// host is http_redirected, a filter's block page (see <see cref="HttpBlockPage"/>) http_blocked.
/// A small hand-written reader over the socket with one pooled buffer, bounded in bytes and time:
/// no HttpClient per probe (allocations decide RSS on the board, DESIGN.md).
/// </summary>
public sealed class HttpProbe : IProbe
{
    /// <summary>Most header bytes read before the answer counts as hostile.</summary>
    internal const int HeaderCap = 16 * 1024;

    /// <summary>Most body bytes read to classify a possible block page.</summary>
    internal const int BodyCap = 16 * 1024;

    public const string Name = "http";
    public string Kind => Name;
    public Transport Transport => Transport.Tcp;
    public Reason TimeoutReason => Reason.HttpTimeout;
    public Reason ErrorReason => Reason.HttpBadResponse;

    public IReadOnlyList<Reason> Reasons { get; } =
        [Reason.HttpBlocked, Reason.HttpRedirected, Reason.HttpTimeout, Reason.HttpBadResponse, Reason.TcpReset];

    public IReadOnlyList<string> Options { get; } = ["path"];

    public async Task<ProbeOutcome> ProbeAsync(ProbeContext ctx)
    {
        IPEndPoint endpoint = ctx.RequireEndpoint();
        var (socket, failure) = await Connector.ConnectAsync(endpoint, ctx.Timeout).ConfigureAwait(false);
        if (socket is null)
            return failure!;
        byte[] buf = ArrayPool<byte>.Shared.Rent(HeaderCap + BodyCap);
        try
        {
            int length = WriteRequest(buf, ctx.HostName, ctx.Target.Port, ctx.Target.Path);
            if (length < 0)
                return ProbeOutcome.Fail(Reason.HttpBadResponse, "request path too long to send");
            await socket.SendAsync(buf.AsMemory(0, length), SocketFlags.None, ctx.Timeout).ConfigureAwait(false);
            return await ReadAnswerAsync(socket, buf, ctx, endpoint).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (ctx.Timeout.IsCancellationRequested)
        {
            return ProbeOutcome.Fail(Reason.HttpTimeout, $"{endpoint} accepted TCP but sent no complete HTTP answer in time");
        }
        catch (SocketException e)
        {
            return Reset(e.SocketErrorCode, endpoint);
        }
        finally
        {
            socket.Dispose();
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    private static ProbeOutcome Reset(SocketError error, IPEndPoint endpoint) =>
        error is SocketError.ConnectionReset or SocketError.ConnectionAborted
            ? ProbeOutcome.Fail(Reason.TcpReset, $"{endpoint} reset the connection after the HTTP request (a filter?)")
            : Connector.FromSocketError(error, endpoint);

    private static async Task<ProbeOutcome> ReadAnswerAsync(Socket socket, byte[] buf, ProbeContext ctx, IPEndPoint endpoint)
    {
        int filled = 0;
        int start = 0; // start of the current response head (after skipped 1xx answers)
        int scanned = 0; // bytes already searched for the blank line, so a byte-by-byte drip costs linear time
        int headEnd;
        int status;
        while (true)
        {
            int from = Math.Max(start, scanned - 2);
            headEnd = HeadEnd(buf.AsSpan(from, filled - from));
            scanned = filled;
            if (headEnd >= 0)
                headEnd += from - start;
            if (headEnd < 0)
            {
                if (filled - start >= 5 && !buf.AsSpan(start, 5).SequenceEqual("HTTP/"u8))
                    return ProbeOutcome.Fail(Reason.HttpBadResponse, $"{endpoint} answered with something that is not HTTP: '{Printable(buf.AsSpan(start, Math.Min(filled - start, 40)))}'");
                if (filled >= HeaderCap)
                    return ProbeOutcome.Fail(Reason.HttpBadResponse, $"{endpoint} sent more than {HeaderCap / 1024} KiB of headers");
                int n = await socket.ReceiveAsync(buf.AsMemory(filled, HeaderCap - filled), SocketFlags.None, ctx.Timeout).ConfigureAwait(false);
                if (n == 0)
                {
                    return ProbeOutcome.Fail(Reason.HttpBadResponse, filled == 0
                        ? $"{endpoint} closed the connection without an answer"
                        : $"{endpoint} closed the connection inside the headers (truncated after {filled} bytes)");
                }
                filled += n;
                continue;
            }
            headEnd += start;
            if (!TryParseStatus(buf.AsSpan(start, headEnd - start), out status))
                return ProbeOutcome.Fail(Reason.HttpBadResponse, $"{endpoint} sent a malformed status line: '{Printable(FirstLine(buf.AsSpan(start, headEnd - start)))}'");
            // Interim answers (100 Continue, 103 Early Hints) precede the real one.
            if (status is >= 100 and < 200 && status != 101)
            {
                start = scanned = headEnd;
                continue;
            }
            break;
        }

        ReadOnlySpan<byte> head = buf.AsSpan(start, headEnd - start);
        string statusLine = Printable(FirstLine(head));

        ReadOnlySpan<byte> location = Header(head, "location"u8);
        if (status is 301 or 302 or 303 or 307 or 308 && !location.IsEmpty)
        {
            string target = Printable(location);
            string? host = LocationHost(target);
            if (host is not null && !SameHost(host, ctx.HostName))
                return ProbeOutcome.Fail(Reason.HttpRedirected, $"'{statusLine}' redirects to another host: {target}");
            return ProbeOutcome.Ok($"'{statusLine}' redirects within {ctx.HostName} ({target})");
        }

        if (HttpBlockPage.IsCandidate(status))
        {
            // Read some of the body: the block page's words are usually there.
            int want = int.TryParse(Header(head, "content-length"u8), out int len) && len >= 0 ? len : int.MaxValue;
            int bodyEnd = headEnd + BodyCap;
            try
            {
                while (filled - headEnd < want && filled < bodyEnd)
                {
                    int n = await socket.ReceiveAsync(buf.AsMemory(filled, bodyEnd - filled), SocketFlags.None, ctx.Timeout).ConfigureAwait(false);
                    if (n == 0)
                        break;
                    filled += n;
                }
            }
            catch (OperationCanceledException) when (ctx.Timeout.IsCancellationRequested)
            {
                // A slow body is judged on what arrived.
            }
            catch (SocketException)
            {
                // Reset after the headers: judged on what arrived.
            }
            if (HttpBlockPage.Classify(status, buf.AsSpan(start, filled - start)) is { } marker)
                return ProbeOutcome.Fail(Reason.HttpBlocked, $"'{statusLine}' is a filter's block page (marker: {marker})");
        }
        return ProbeOutcome.Ok($"'{statusLine}': an answer from the origin");
    }

    /// <summary>Writes the GET request into <paramref name="buf"/>; -1 when it does not fit.</summary>
    internal static int WriteRequest(Span<byte> buf, string host, int port, string path)
    {
        int at = 0;
        bool ok = Put(buf, ref at, "GET "u8);
        if (!path.StartsWith('/'))
            ok &= Put(buf, ref at, "/"u8);
        // Percent-encode what may not appear raw in a request line (spaces, controls, non-ASCII).
        Span<byte> utf8 = stackalloc byte[4];
        foreach (Rune r in path.EnumerateRunes())
        {
            int n = r.EncodeToUtf8(utf8);
            for (int i = 0; i < n; i++)
            {
                byte b = utf8[i];
                if (b is > 0x20 and < 0x7f)
                    ok &= Put(buf, ref at, [b]);
                else
                    ok &= Put(buf, ref at, [(byte)'%', Hex(b >> 4), Hex(b & 0xf)]);
            }
        }
        ok &= Put(buf, ref at, " HTTP/1.1\r\nHost: "u8);
        bool v6 = host.Contains(':');
        if (v6)
            ok &= Put(buf, ref at, "["u8);
        foreach (char c in host)
            ok &= Put(buf, ref at, [c is > ' ' and < (char)0x7f ? (byte)c : (byte)'?']);
        if (v6)
            ok &= Put(buf, ref at, "]"u8);
        if (port != 80)
        {
            ok &= Put(buf, ref at, ":"u8);
            ok &= port.TryFormat(buf[at..], out int w);
            at += w;
        }
        ok &= Put(buf, ref at, "\r\nUser-Agent: EdgeMonitor (firewall check)\r\nAccept: */*\r\nConnection: close\r\n\r\n"u8);
        return ok ? at : -1;

        static byte Hex(int v) => (byte)(v < 10 ? '0' + v : 'A' + v - 10);
    }

    private static bool Put(Span<byte> buf, ref int at, ReadOnlySpan<byte> bytes)
    {
        if (at + bytes.Length > buf.Length)
            return false;
        bytes.CopyTo(buf[at..]);
        at += bytes.Length;
        return true;
    }

    /// <summary>Length of the head including its blank line, or -1. Bare LF line ends are tolerated.</summary>
    internal static int HeadEnd(ReadOnlySpan<byte> data)
    {
        for (int i = 0; i < data.Length; i++)
        {
            if (data[i] != '\n')
                continue;
            if (i + 1 < data.Length && data[i + 1] == '\n')
                return i + 2;
            if (i + 2 < data.Length && data[i + 1] == '\r' && data[i + 2] == '\n')
                return i + 3;
        }
        return -1;
    }

    /// <summary>"HTTP/1.x NNN ...": the status code, or false for anything else.</summary>
    internal static bool TryParseStatus(ReadOnlySpan<byte> head, out int status)
    {
        status = 0;
        ReadOnlySpan<byte> line = FirstLine(head);
        if (line.Length < 12 || !line.StartsWith("HTTP/1."u8) || !char.IsAsciiDigit((char)line[7]) || line[8] != ' ')
            return false;
        for (int i = 9; i < 12; i++)
        {
            if (!char.IsAsciiDigit((char)line[i]))
                return false;
            status = status * 10 + (line[i] - '0');
        }
        return status >= 100 && (line.Length == 12 || line[12] == ' ');
    }

    private static ReadOnlySpan<byte> FirstLine(ReadOnlySpan<byte> head)
    {
        int nl = head.IndexOf((byte)'\n');
        ReadOnlySpan<byte> line = nl < 0 ? head : head[..nl];
        return line.TrimEnd((byte)'\r');
    }

    /// <summary>The value of the first header named <paramref name="lowerName"/> (ASCII case-insensitive), trimmed.</summary>
    internal static ReadOnlySpan<byte> Header(ReadOnlySpan<byte> head, ReadOnlySpan<byte> lowerName)
    {
        int nl = head.IndexOf((byte)'\n');
        ReadOnlySpan<byte> rest = nl < 0 ? default : head[(nl + 1)..];
        while (!rest.IsEmpty)
        {
            nl = rest.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = (nl < 0 ? rest : rest[..nl]).TrimEnd((byte)'\r');
            rest = nl < 0 ? default : rest[(nl + 1)..];
            int colon = line.IndexOf((byte)':');
            if (colon != lowerName.Length)
                continue;
            bool match = true;
            for (int i = 0; i < colon && match; i++)
                match = (line[i] | 0x20) == lowerName[i];
            if (match)
                return line[(colon + 1)..].Trim((byte)' ').Trim((byte)'\t');
        }
        return default;
    }

    /// <summary>The host a Location points to, or null for a relative reference (same host).</summary>
    internal static string? LocationHost(string location)
    {
        string s = location.Trim();
        int authority;
        if (s.StartsWith("//", StringComparison.Ordinal))
        {
            authority = 2;
        }
        else
        {
            int scheme = s.IndexOf("://", StringComparison.Ordinal);
            int firstSep = s.IndexOfAny(['/', '?', '#']);
            if (scheme <= 0 || (firstSep >= 0 && firstSep < scheme))
                return null;
            authority = scheme + 3;
        }
        int end = s.IndexOfAny(['/', '?', '#'], authority);
        string auth = end < 0 ? s[authority..] : s[authority..end];
        int at = auth.LastIndexOf('@');
        if (at >= 0)
            auth = auth[(at + 1)..];
        if (auth.StartsWith('['))
        {
            int close = auth.IndexOf(']');
            return close < 0 ? auth[1..] : auth[1..close];
        }
        int colon = auth.IndexOf(':');
        return colon < 0 ? auth : auth[..colon];
    }

    internal static bool SameHost(string a, string b) =>
        string.Equals(a.TrimEnd('.').Trim('[', ']'), b.TrimEnd('.').Trim('[', ']'), StringComparison.OrdinalIgnoreCase);

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        int n = Math.Min(bytes.Length, 200);
        Span<char> chars = stackalloc char[n];
        for (int i = 0; i < n; i++)
            chars[i] = bytes[i] is >= 0x20 and < 0x7f ? (char)bytes[i] : '.';
        return new string(chars);
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EdgeMonitor.Model;

namespace EdgeMonitor.Net;

/// <summary>
/// Asks one configured DNS server directly (dns.server), so NXDOMAIN, SERVFAIL, REFUSED and
/// timeouts are told apart, which getaddrinfo cannot do. A small RFC 1035 client: one A or AAAA
/// question over UDP with a random ID from a kernel-chosen (random) source port on a connected
/// socket, so only the server's datagrams reach us; a reply counts only when its ID and echoed
/// question match (RFC 5452); anything else is ignored and we keep waiting until the timeout.
/// Retransmits every second; a truncated (TC) answer is asked again over TCP (RFC 7766).
/// </summary>
public sealed class ServerResolver(IPEndPoint server) : IResolver
{
    private static readonly TimeSpan Retransmit = TimeSpan.FromSeconds(1);

    // Without EDNS a UDP answer is at most 512 bytes (RFC 1035 4.2.1); take more in case a server sends more.
    private const int UdpReceiveSize = 1232;

    public IPEndPoint Server => server;

    public string Describe => $"DNS server {server}";

    public async Task<DnsAnswer> ResolveAsync(string name, Family family, CancellationToken timeout)
    {
        ushort qtype = family == Family.IPv6 ? DnsWire.TypeAaaa : DnsWire.TypeA;
        string rr = family == Family.IPv6 ? "AAAA" : "A";
        byte[] buf = ArrayPool<byte>.Shared.Rent(DnsWire.MaxQueryLength + UdpReceiveSize);
        try
        {
            int queryLength = BuildQuery(name, qtype, buf, out ushort id);
            if (queryLength < 0)
                return new DnsAnswer(Reason.DnsNxdomain, [], $"'{name}' is not a valid DNS name");
            Memory<byte> query = buf.AsMemory(0, queryLength);
            Memory<byte> reply = buf.AsMemory(DnsWire.MaxQueryLength, UdpReceiveSize);

            using var socket = new Socket(server.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            var addresses = new List<IPAddress>(2);
            int ignored = 0;
            string? lastIgnored = null;
            try
            {
                await socket.ConnectAsync(server, timeout).ConfigureAwait(false);
                while (true)
                {
                    await socket.SendAsync(query, SocketFlags.None, timeout).ConfigureAwait(false);
                    using var attempt = CancellationTokenSource.CreateLinkedTokenSource(timeout);
                    attempt.CancelAfter(Retransmit);
                    while (true)
                    {
                        int n;
                        try
                        {
                            n = await socket.ReceiveAsync(reply, SocketFlags.None, attempt.Token).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException) when (!timeout.IsCancellationRequested)
                        {
                            break; // retransmit
                        }
                        addresses.Clear();
                        DnsReply r = DnsWire.ParseReply(reply.Span[..n], id, QName(buf, queryLength), qtype, addresses);
                        switch (r.Kind)
                        {
                            case DnsReplyKind.Answer:
                                return Verdict(r, addresses, name, rr, "");
                            case DnsReplyKind.Truncated:
                                return await OverTcpAsync(name, rr, qtype, id, buf, queryLength, timeout).ConfigureAwait(false);
                            default:
                                ignored++;
                                lastIgnored = r.Why;
                                continue;
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                string why = ignored == 0 ? "" : $" (ignored {ignored} mismatched or malformed replies, last: {lastIgnored})";
                return new DnsAnswer(Reason.DnsTimeout, [], $"{name}: no {rr} answer from {server} in time{why}");
            }
            catch (SocketException e)
            {
                // ICMP port unreachable (nothing listens, or a firewall rejects), or no route to the server.
                return new DnsAnswer(Reason.DnsUnreachable, [], $"{name}: cannot reach the DNS server {server}: {Explain(e.SocketErrorCode)}");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    private static ReadOnlySpan<byte> QName(byte[] buf, int queryLength) =>
        buf.AsSpan(DnsWire.HeaderLength, queryLength - DnsWire.HeaderLength - 4);

    /// <summary>Writes the query into the start of <paramref name="buf"/>; -1 for an invalid name.</summary>
    internal static int BuildQuery(string name, ushort qtype, byte[] buf, out ushort id)
    {
        // A random ID (and the kernel's random source port) is what makes blind spoofing hard.
        id = (ushort)RandomNumberGenerator.GetInt32(0x10000);
        int nameLength = DnsWire.EncodeName(name, buf.AsSpan(DnsWire.HeaderLength, DnsWire.MaxNameLength));
        if (nameLength < 0)
            return -1;
        // The name is already in place: WriteQuery copies it onto itself.
        return DnsWire.WriteQuery(buf, id, buf.AsSpan(DnsWire.HeaderLength, nameLength), qtype);
    }

    private async Task<DnsAnswer> OverTcpAsync(string name, string rr, ushort qtype, ushort id, byte[] buf, int queryLength, CancellationToken timeout)
    {
        using var tcp = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        byte[] msg = ArrayPool<byte>.Shared.Rent(ushort.MaxValue + 2);
        try
        {
            await tcp.ConnectAsync(server, timeout).ConfigureAwait(false);
            // RFC 1035 4.2.2: each message is prefixed by its two-byte length.
            BinaryPrimitives.WriteUInt16BigEndian(msg, (ushort)queryLength);
            buf.AsSpan(0, queryLength).CopyTo(msg.AsSpan(2));
            await tcp.SendAsync(msg.AsMemory(0, queryLength + 2), SocketFlags.None, timeout).ConfigureAwait(false);
            if (!await ReadExactlyAsync(tcp, msg.AsMemory(0, 2), timeout).ConfigureAwait(false))
                return new DnsAnswer(Reason.DnsServfail, [], $"{name}: {server} closed the TCP connection without an answer");
            int length = BinaryPrimitives.ReadUInt16BigEndian(msg);
            if (!await ReadExactlyAsync(tcp, msg.AsMemory(0, length), timeout).ConfigureAwait(false))
                return new DnsAnswer(Reason.DnsServfail, [], $"{name}: {server} cut the TCP answer short");
            var addresses = new List<IPAddress>(4);
            DnsReply r = DnsWire.ParseReply(msg.AsSpan(0, length), id, QName(buf, queryLength), qtype, addresses);
            return r.Kind == DnsReplyKind.Answer
                ? Verdict(r, addresses, name, rr, " over TCP")
                : new DnsAnswer(Reason.DnsServfail, [], $"{name}: unusable {rr} answer from {server} over TCP ({r.Kind}: {r.Why})");
        }
        catch (SocketException e)
        {
            // A firewall that passes UDP 53 but not TCP 53 breaks large answers: say so.
            return new DnsAnswer(Reason.DnsTimeout, [], $"{name}: {rr} answer truncated over UDP and TCP to {server} failed: {Explain(e.SocketErrorCode)}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(msg);
        }
    }

    private static async Task<bool> ReadExactlyAsync(Socket s, Memory<byte> into, CancellationToken ct)
    {
        int got = 0;
        while (got < into.Length)
        {
            int n = await s.ReceiveAsync(into[got..], SocketFlags.None, ct).ConfigureAwait(false);
            if (n == 0)
                return false;
            got += n;
        }
        return true;
    }

    private DnsAnswer Verdict(DnsReply r, List<IPAddress> addresses, string name, string rr, string via)
    {
        string from = $"from {server}{via}";
        return r.Rcode switch
        {
            DnsWire.RcodeNoError when addresses.Count > 0 => new DnsAnswer(Reason.Ok, addresses,
                $"{name} {rr} {string.Join(' ', addresses)}{(r.CnameHops > 0 ? $" (via {r.CnameHops} CNAME)" : "")}{via}"),
            DnsWire.RcodeNoError => new DnsAnswer(Reason.DnsNoAddress, [], $"{name}: no {rr} record (NOERROR, empty answer {from})"),
            DnsWire.RcodeNxDomain => new DnsAnswer(Reason.DnsNxdomain, [], $"{name}: no such name (NXDOMAIN {from})"),
            DnsWire.RcodeServFail => new DnsAnswer(Reason.DnsServfail, [], $"{name}: SERVFAIL {from} (the server could not resolve it)"),
            DnsWire.RcodeRefused => new DnsAnswer(Reason.DnsServfail, [], $"{name}: REFUSED {from} (the server will not resolve this name for us)"),
            _ => new DnsAnswer(Reason.DnsServfail, [], $"{name}: {DnsWire.RcodeName(r.Rcode)} {from}"),
        };
    }

    private static string Explain(SocketError e) => e switch
    {
        SocketError.ConnectionRefused => "port unreachable (nothing listens there, or a firewall rejects)",
        SocketError.NetworkUnreachable or SocketError.NetworkDown => $"no route to it ({e}): is this box's uplink up?",
        SocketError.HostUnreachable => $"unreachable ({e})",
        _ => e.ToString(),
    };
}

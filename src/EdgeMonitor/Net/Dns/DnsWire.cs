// Namespace EdgeMonitor.Probes, not .Dns: a .Dns namespace would shadow System.Net.Dns for every probe.

using System.Buffers.Binary;
using System.Net;
using EdgeMonitor.Model;

namespace EdgeMonitor.Net;

/// <summary>What one received datagram (or TCP message) turned out to be.</summary>
public enum DnsReplyKind
{
    /// <summary>Not an answer to our question (wrong ID, not a response, other question): ignore it, keep waiting.</summary>
    Mismatch,

    /// <summary>Claims to answer our question but cannot be parsed within bounds: ignore it, keep waiting.</summary>
    Malformed,

    /// <summary>TC bit set: the full answer needs TCP.</summary>
    Truncated,

    /// <summary>A parsed answer: RCODE and, for NOERROR, the addresses of the asked type.</summary>
    Answer,
}

/// <summary>The parsed facts of one reply. Addresses go to the caller's list so nothing else is allocated.</summary>
public readonly record struct DnsReply(DnsReplyKind Kind, int Rcode, int AddressCount, int CnameHops, string? Why = null);

/// <summary>
/// The DNS wire format (RFC 1035 section 4), just enough for A/AAAA questions. Every read is
/// bounds-checked and every loop is bounded: a hostile reply yields Malformed, never an
/// exception or a hang.
/// </summary>
public static class DnsWire
{
    public const ushort TypeA = 1, TypeCname = 5, TypeAaaa = 28, ClassIn = 1;
    public const int HeaderLength = 12;

    /// <summary>RFC 1035 2.3.4: names are at most 255 octets in wire form.</summary>
    public const int MaxNameLength = 255;

    /// <summary>A query is header + name + type/class: at most 12 + 255 + 4.</summary>
    public const int MaxQueryLength = HeaderLength + MaxNameLength + 4;

    // A CNAME chain longer than this inside one answer is treated as a loop.
    private const int MaxCnameHops = 8;

    // Compression pointers followed while reading one name (RFC 9267 section 2 recommends bounding them).
    private const int MaxPointerHops = 32;

    public const int RcodeNoError = 0, RcodeFormErr = 1, RcodeServFail = 2, RcodeNxDomain = 3, RcodeNotImp = 4, RcodeRefused = 5;

    /// <summary>
    /// Encodes a host name as lowercase wire labels (RFC 1035 3.1) into <paramref name="dest"/>.
    /// Returns the length, or -1 when the name is not a valid DNS name (empty label, label over 63,
    /// over 255 octets, non-ASCII). Underscores are allowed: vendor names use them (cloud_ap).
    /// </summary>
    public static int EncodeName(ReadOnlySpan<char> name, Span<byte> dest)
    {
        if (name.EndsWith('.'))
            name = name[..^1];
        if (name.IsEmpty || dest.Length < 1)
            return -1;
        int at = 0;
        while (true)
        {
            int dot = name.IndexOf('.');
            ReadOnlySpan<char> label = dot < 0 ? name : name[..dot];
            if (label.Length is 0 or > 63 || at + 1 + label.Length + 1 > Math.Min(dest.Length, MaxNameLength))
                return -1;
            dest[at++] = (byte)label.Length;
            foreach (char c in label)
            {
                if (c is <= ' ' or > '~')
                    return -1;
                dest[at++] = (byte)char.ToLowerInvariant(c);
            }
            if (dot < 0)
                break;
            name = name[(dot + 1)..];
        }
        dest[at++] = 0;
        return at;
    }

    /// <summary>Writes a recursive query for one name and type; returns its length.</summary>
    public static int WriteQuery(Span<byte> dest, ushort id, ReadOnlySpan<byte> qname, ushort qtype)
    {
        BinaryPrimitives.WriteUInt16BigEndian(dest, id);
        BinaryPrimitives.WriteUInt16BigEndian(dest[2..], 0x0100); // QR=0, OPCODE=0, RD=1
        BinaryPrimitives.WriteUInt16BigEndian(dest[4..], 1);      // QDCOUNT
        dest[6..HeaderLength].Clear();                            // AN, NS, AR counts
        qname.CopyTo(dest[HeaderLength..]);
        int at = HeaderLength + qname.Length;
        BinaryPrimitives.WriteUInt16BigEndian(dest[at..], qtype);
        BinaryPrimitives.WriteUInt16BigEndian(dest[(at + 2)..], ClassIn);
        return at + 4;
    }

    /// <summary>
    /// Reads a possibly compressed name at <paramref name="offset"/> into lowercase wire form in
    /// <paramref name="dest"/> (at least 255 bytes). Advances <paramref name="offset"/> past the name
    /// as it sits in the message. Returns the wire length, or -1 on anything out of bounds:
    /// each pointer must point strictly before where the labels being read started (so jumps
    /// strictly decrease and no loop can form), hops are counted, and the name must fit 255 octets.
    /// </summary>
    public static int ReadName(ReadOnlySpan<byte> msg, ref int offset, Span<byte> dest)
    {
        int pos = offset;
        int runStart = offset;
        int written = 0;
        int hops = 0;
        int end = -1; // where the name ends in place (after the first pointer, or after the root label)
        while (true)
        {
            if ((uint)pos >= (uint)msg.Length)
                return -1;
            byte len = msg[pos];
            if (len == 0)
            {
                if (written + 1 > MaxNameLength || written + 1 > dest.Length)
                    return -1;
                dest[written++] = 0;
                offset = end >= 0 ? end : pos + 1;
                return written;
            }
            switch (len & 0xC0)
            {
                case 0xC0:
                    if (pos + 1 >= msg.Length || ++hops > MaxPointerHops)
                        return -1;
                    int target = ((len & 0x3F) << 8) | msg[pos + 1];
                    if (target >= runStart)
                        return -1; // forward, self or into-this-name pointer: how loops are built
                    if (end < 0)
                        end = pos + 2;
                    pos = runStart = target;
                    break;
                case 0x00:
                    if (pos + 1 + len > msg.Length || written + 1 + len + 1 > MaxNameLength || written + 1 + len > dest.Length)
                        return -1;
                    dest[written++] = len;
                    for (int i = 1; i <= len; i++)
                    {
                        byte b = msg[pos + i];
                        dest[written++] = b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b;
                    }
                    pos += 1 + len;
                    break;
                default:
                    return -1; // 0x40 and 0x80 label types (RFC 6891 extended labels) are not used in answers
            }
        }
    }

    /// <summary>Skips a name without copying it (still bounded).</summary>
    private static bool SkipName(ReadOnlySpan<byte> msg, ref int offset)
    {
        Span<byte> scratch = stackalloc byte[MaxNameLength];
        return ReadName(msg, ref offset, scratch) > 0;
    }

    /// <summary>
    /// Parses a reply to the question (<paramref name="id"/>, <paramref name="qname"/> in lowercase
    /// wire form, <paramref name="qtype"/>). The ID, QR bit, opcode and echoed question must match,
    /// else it is not ours. For NOERROR, follows the CNAME chain from qname through the answer
    /// section (in any record order) and adds every record of the asked type owned by the final
    /// name to <paramref name="addresses"/> (may be null to only count).
    /// </summary>
    public static DnsReply ParseReply(ReadOnlySpan<byte> msg, ushort id, ReadOnlySpan<byte> qname, ushort qtype, List<IPAddress>? addresses)
    {
        if (msg.Length < HeaderLength || BinaryPrimitives.ReadUInt16BigEndian(msg) != id)
            return new DnsReply(DnsReplyKind.Mismatch, 0, 0, 0, "wrong ID or short");
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(msg[2..]);
        if ((flags & 0x8000) == 0 || ((flags >> 11) & 0xF) != 0)
            return new DnsReply(DnsReplyKind.Mismatch, 0, 0, 0, "not a query response");
        int rcode = flags & 0xF;
        int qd = BinaryPrimitives.ReadUInt16BigEndian(msg[4..]);
        int an = BinaryPrimitives.ReadUInt16BigEndian(msg[6..]);

        // The echoed question must be ours (RFC 5452 section 4.2): it binds the reply to the query.
        if (qd != 1)
            return new DnsReply(DnsReplyKind.Mismatch, rcode, 0, 0, $"question count {qd}");
        Span<byte> name = stackalloc byte[MaxNameLength];
        int at = HeaderLength;
        int n = ReadName(msg, ref at, name);
        if (n < 0 || at + 4 > msg.Length)
            return new DnsReply(DnsReplyKind.Malformed, rcode, 0, 0, "bad question section");
        if (!name[..n].SequenceEqual(qname)
            || BinaryPrimitives.ReadUInt16BigEndian(msg[at..]) != qtype
            || BinaryPrimitives.ReadUInt16BigEndian(msg[(at + 2)..]) != ClassIn)
            return new DnsReply(DnsReplyKind.Mismatch, rcode, 0, 0, "other question");
        at += 4;

        if ((flags & 0x0200) != 0)
            return new DnsReply(DnsReplyKind.Truncated, rcode, 0, 0);
        if (rcode != RcodeNoError)
            return new DnsReply(DnsReplyKind.Answer, rcode, 0, 0);

        // Answer section: find where each record starts (bounded by the message), then walk the chain.
        int answersAt = at;
        for (int i = 0; i < an; i++)
        {
            if (!SkipName(msg, ref at) || at + 10 > msg.Length)
                return new DnsReply(DnsReplyKind.Malformed, rcode, 0, 0, $"answer {i} truncated");
            int rdlen = BinaryPrimitives.ReadUInt16BigEndian(msg[(at + 8)..]);
            at += 10 + rdlen;
            if (at > msg.Length)
                return new DnsReply(DnsReplyKind.Malformed, rcode, 0, 0, $"answer {i} data truncated");
        }

        Span<byte> owner = stackalloc byte[MaxNameLength];
        Span<byte> current = stackalloc byte[MaxNameLength];
        qname.CopyTo(current);
        int currentLen = qname.Length;
        int hops = 0;
        // Follow CNAMEs: each pass looks for a CNAME owned by the current name. Bounded by MaxCnameHops.
        while (true)
        {
            bool moved = false;
            at = answersAt;
            for (int i = 0; i < an; i++)
            {
                var (ol, type, cls, rdata, rdlen) = ReadRecord(msg, ref at, owner);
                if (type != TypeCname || cls != ClassIn || !owner[..ol].SequenceEqual(current[..currentLen]))
                    continue;
                int p = rdata;
                int tl = ReadName(msg, ref p, owner);
                if (tl < 0 || p != rdata + rdlen)
                    return new DnsReply(DnsReplyKind.Malformed, rcode, 0, hops, "bad CNAME data");
                if (++hops > MaxCnameHops)
                    return new DnsReply(DnsReplyKind.Malformed, rcode, 0, hops, "CNAME chain too long or looping");
                owner[..tl].CopyTo(current);
                currentLen = tl;
                moved = true;
                break;
            }
            if (!moved)
                break;
        }

        int count = 0;
        at = answersAt;
        int want = qtype == TypeAaaa ? 16 : 4;
        for (int i = 0; i < an; i++)
        {
            var (ol, type, cls, rdata, rdlen) = ReadRecord(msg, ref at, owner);
            if (type != qtype || cls != ClassIn || !owner[..ol].SequenceEqual(current[..currentLen]))
                continue;
            if (rdlen != want)
                return new DnsReply(DnsReplyKind.Malformed, rcode, 0, hops, $"address record of {rdlen} bytes");
            addresses?.Add(new IPAddress(msg.Slice(rdata, rdlen)));
            count++;
        }
        return new DnsReply(DnsReplyKind.Answer, rcode, count, hops);
    }

    /// <summary>
    /// One resource record of a section already bounds-checked by the first pass: its owner
    /// name (into <paramref name="owner"/>), type, class and where its data lies; moves past it.
    /// </summary>
    private static (int OwnerLength, ushort Type, ushort Class, int Rdata, int Rdlen) ReadRecord(ReadOnlySpan<byte> msg, ref int at, Span<byte> owner)
    {
        int ol = ReadName(msg, ref at, owner);
        ushort type = BinaryPrimitives.ReadUInt16BigEndian(msg[at..]);
        ushort cls = BinaryPrimitives.ReadUInt16BigEndian(msg[(at + 2)..]);
        int rdlen = BinaryPrimitives.ReadUInt16BigEndian(msg[(at + 8)..]);
        int rdata = at + 10;
        at = rdata + rdlen;
        return (ol, type, cls, rdata, rdlen);
    }

    public static string RcodeName(int rcode) => rcode switch
    {
        RcodeNoError => "NOERROR",
        RcodeFormErr => "FORMERR",
        RcodeServFail => "SERVFAIL",
        RcodeNxDomain => "NXDOMAIN",
        RcodeNotImp => "NOTIMP",
        RcodeRefused => "REFUSED",
        _ => $"RCODE {rcode}",
    };
}

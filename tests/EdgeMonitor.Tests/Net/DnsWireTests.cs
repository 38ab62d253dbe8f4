using System.Buffers.Binary;
using System.Net;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Net;

/// <summary>The DNS wire codec on hand-made messages, including hostile ones: never an exception, never a hang.</summary>
public sealed class DnsWireTests
{
    private const ushort Id = 0xBEEF;

    private static byte[] Name(string name)
    {
        byte[] b = new byte[DnsWire.MaxNameLength];
        int n = DnsWire.EncodeName(name, b);
        Assert.True(n > 0, name);
        return b[..n];
    }

    /// <summary>A reply header + question for (name, type) with the given flags and answer count.</summary>
    private static List<byte> Header(string qname, ushort qtype, int rcode = 0, int ancount = 0, ushort id = Id, bool tc = false)
    {
        var m = new List<byte>();
        void U16(int v) { m.Add((byte)(v >> 8)); m.Add((byte)v); }
        U16(id);
        U16(0x8180 | (tc ? 0x0200 : 0) | rcode); // QR, RD, RA
        U16(1); U16(ancount); U16(0); U16(0);
        m.AddRange(Name(qname));
        U16(qtype); U16(1);
        return m;
    }

    private static void Record(List<byte> m, byte[] owner, ushort type, byte[] rdata)
    {
        m.AddRange(owner);
        m.AddRange([(byte)(type >> 8), (byte)type, 0, 1, 0, 0, 0, 60, (byte)(rdata.Length >> 8), (byte)rdata.Length]);
        m.AddRange(rdata);
    }

    private static readonly byte[] PtrToQuestion = [0xC0, 12];

    private static DnsReply Parse(IEnumerable<byte> msg, string qname, ushort qtype, List<IPAddress>? into = null) =>
        DnsWire.ParseReply(msg.ToArray(), Id, Name(qname), qtype, into);

    [Fact]
    public void Query_is_rfc1035_wire_format()
    {
        byte[] buf = new byte[DnsWire.MaxQueryLength];
        int n = DnsWire.WriteQuery(buf, 0x1234, Name("Cloud_AP.CloudTrax.com."), DnsWire.TypeAaaa);
        byte[] expected =
        [
            0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
            8, (byte)'c', (byte)'l', (byte)'o', (byte)'u', (byte)'d', (byte)'_', (byte)'a', (byte)'p',
            9, (byte)'c', (byte)'l', (byte)'o', (byte)'u', (byte)'d', (byte)'t', (byte)'r', (byte)'a', (byte)'x',
            3, (byte)'c', (byte)'o', (byte)'m', 0,
            0, 28, 0, 1,
        ];
        Assert.Equal(expected, buf[..n]);
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("a..b")]
    [InlineData("bad name.test")]
    [InlineData("ünicode.test")]
    public void Invalid_names_are_refused(string name) => Assert.Equal(-1, DnsWire.EncodeName(name, new byte[DnsWire.MaxNameLength]));

    [Fact]
    public void Over_long_label_and_name_are_refused()
    {
        Assert.Equal(-1, DnsWire.EncodeName(new string('a', 64) + ".test", new byte[DnsWire.MaxNameLength]));
        Assert.Equal(-1, DnsWire.EncodeName(string.Join('.', Enumerable.Repeat(new string('a', 63), 4)), new byte[DnsWire.MaxNameLength]));
        Assert.True(DnsWire.EncodeName(string.Join('.', Enumerable.Repeat(new string('a', 63), 3)), new byte[DnsWire.MaxNameLength]) > 0);
    }

    [Fact]
    public void Answer_with_compressed_owner_yields_addresses()
    {
        var m = Header("a.test", DnsWire.TypeA, ancount: 2);
        Record(m, PtrToQuestion, DnsWire.TypeA, [10, 0, 0, 1]);
        Record(m, PtrToQuestion, DnsWire.TypeA, [10, 0, 0, 2]);
        var got = new List<IPAddress>();
        DnsReply r = Parse(m, "a.test", DnsWire.TypeA, got);
        Assert.Equal(DnsReplyKind.Answer, r.Kind);
        Assert.Equal([IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2")], got);
    }

    [Fact]
    public void Cname_chain_is_followed_in_any_record_order()
    {
        // a.test CNAME b.test, b.test CNAME c.test, c.test AAAA ::5, and a stray AAAA for another name.
        var m = Header("a.test", DnsWire.TypeAaaa, ancount: 4);
        Record(m, Name("c.test"), DnsWire.TypeAaaa, IPAddress.Parse("::5").GetAddressBytes());
        Record(m, Name("b.test"), DnsWire.TypeCname, Name("c.test"));
        Record(m, Name("x.test"), DnsWire.TypeAaaa, IPAddress.Parse("::6").GetAddressBytes());
        Record(m, PtrToQuestion, DnsWire.TypeCname, [1, (byte)'B', 4, (byte)'T', (byte)'E', (byte)'S', (byte)'T', 0]);
        var got = new List<IPAddress>();
        DnsReply r = Parse(m, "a.test", DnsWire.TypeAaaa, got);
        Assert.Equal(DnsReplyKind.Answer, r.Kind);
        Assert.Equal(2, r.CnameHops);
        Assert.Equal([IPAddress.Parse("::5")], got);
    }

    [Fact]
    public void Cname_loop_is_malformed_not_a_hang()
    {
        var m = Header("a.test", DnsWire.TypeA, ancount: 2);
        Record(m, Name("a.test"), DnsWire.TypeCname, Name("b.test"));
        Record(m, Name("b.test"), DnsWire.TypeCname, Name("a.test"));
        Assert.Equal(DnsReplyKind.Malformed, Parse(m, "a.test", DnsWire.TypeA).Kind);
    }

    [Fact]
    public void Rcodes_and_empty_answers_are_reported()
    {
        Assert.Equal((DnsReplyKind.Answer, 3), Rc(Parse(Header("a.test", DnsWire.TypeA, rcode: 3), "a.test", DnsWire.TypeA)));
        Assert.Equal((DnsReplyKind.Answer, 2), Rc(Parse(Header("a.test", DnsWire.TypeA, rcode: 2), "a.test", DnsWire.TypeA)));
        DnsReply empty = Parse(Header("a.test", DnsWire.TypeA), "a.test", DnsWire.TypeA);
        Assert.Equal((DnsReplyKind.Answer, 0, 0), (empty.Kind, empty.Rcode, empty.AddressCount));
        Assert.Equal(DnsReplyKind.Truncated, Parse(Header("a.test", DnsWire.TypeA, tc: true), "a.test", DnsWire.TypeA).Kind);

        static (DnsReplyKind, int) Rc(DnsReply r) => (r.Kind, r.Rcode);
    }

    [Fact]
    public void Replies_to_other_questions_are_not_ours()
    {
        Assert.Equal(DnsReplyKind.Mismatch, DnsWire.ParseReply(Header("a.test", DnsWire.TypeA, id: 1).ToArray(), Id, Name("a.test"), DnsWire.TypeA, null).Kind);
        Assert.Equal(DnsReplyKind.Mismatch, Parse(Header("b.test", DnsWire.TypeA), "a.test", DnsWire.TypeA).Kind);
        Assert.Equal(DnsReplyKind.Mismatch, Parse(Header("a.test", DnsWire.TypeAaaa), "a.test", DnsWire.TypeA).Kind);
        var query = Header("a.test", DnsWire.TypeA);
        query[2] &= 0x7F; // QR clear: a query, not a response (e.g. our own packet reflected)
        Assert.Equal(DnsReplyKind.Mismatch, Parse(query, "a.test", DnsWire.TypeA).Kind);
        Assert.Equal(DnsReplyKind.Mismatch, Parse(new byte[5], "a.test", DnsWire.TypeA).Kind);
        // Question names compare case-insensitively (servers may echo 0x20-mixed case).
        Assert.Equal(DnsReplyKind.Answer, Parse(Header("A.Test", DnsWire.TypeA), "a.test", DnsWire.TypeA).Kind);
    }

    [Fact]
    public void Compression_loops_and_forward_pointers_are_malformed()
    {
        // Owner name is a pointer to itself.
        var self = Header("a.test", DnsWire.TypeA, ancount: 1);
        int at = self.Count;
        Record(self, [0xC0, (byte)at], DnsWire.TypeA, [1, 2, 3, 4]);
        Assert.Equal(DnsReplyKind.Malformed, Parse(self, "a.test", DnsWire.TypeA).Kind);

        // Two pointers pointing at each other.
        var pair = Header("a.test", DnsWire.TypeA, ancount: 1);
        at = pair.Count;
        Record(pair, [0xC0, (byte)(at + 2), 0xC0, (byte)at], DnsWire.TypeA, [1, 2, 3, 4]);
        Assert.Equal(DnsReplyKind.Malformed, Parse(pair, "a.test", DnsWire.TypeA).Kind);

        // A label followed by a pointer back to itself: a backward pointer that still loops.
        var labelLoop = Header("a.test", DnsWire.TypeA, ancount: 1);
        at = labelLoop.Count;
        Record(labelLoop, [1, (byte)'x', 0xC0, (byte)at], DnsWire.TypeA, [1, 2, 3, 4]);
        Assert.Equal(DnsReplyKind.Malformed, Parse(labelLoop, "a.test", DnsWire.TypeA).Kind);

        // Pointer past the end of the message.
        var past = Header("a.test", DnsWire.TypeA, ancount: 1);
        Record(past, [0xC0, 0xFF], DnsWire.TypeA, [1, 2, 3, 4]);
        Assert.Equal(DnsReplyKind.Malformed, Parse(past, "a.test", DnsWire.TypeA).Kind);
    }

    [Fact]
    public void Truncated_records_are_malformed()
    {
        var m = Header("a.test", DnsWire.TypeA, ancount: 1);
        Record(m, PtrToQuestion, DnsWire.TypeA, [1, 2, 3, 4]);
        for (int cut = m.Count - 1; cut > Header("a.test", DnsWire.TypeA).Count; cut--)
            Assert.Equal(DnsReplyKind.Malformed, Parse(m.Take(cut), "a.test", DnsWire.TypeA).Kind);

        // More answers announced than present.
        var more = Header("a.test", DnsWire.TypeA, ancount: 3);
        Record(more, PtrToQuestion, DnsWire.TypeA, [1, 2, 3, 4]);
        Assert.Equal(DnsReplyKind.Malformed, Parse(more, "a.test", DnsWire.TypeA).Kind);

        // An A record whose data is not 4 bytes.
        var odd = Header("a.test", DnsWire.TypeA, ancount: 1);
        Record(odd, PtrToQuestion, DnsWire.TypeA, [1, 2, 3]);
        Assert.Equal(DnsReplyKind.Malformed, Parse(odd, "a.test", DnsWire.TypeA).Kind);
    }

    [Fact]
    public void Random_corruption_never_throws()
    {
        var m = Header("alias.lab.test", DnsWire.TypeA, ancount: 3);
        Record(m, PtrToQuestion, DnsWire.TypeCname, [3, (byte)'x', (byte)'y', (byte)'z', 0xC0, 18]);
        Record(m, Name("xyz.lab.test"), DnsWire.TypeA, [127, 0, 0, 2]);
        Record(m, [0xC0, 12], DnsWire.TypeAaaa, new byte[16]);
        byte[] original = m.ToArray();
        byte[] qname = Name("alias.lab.test");
        var rng = new Random(2);
        var into = new List<IPAddress>();
        for (int i = 0; i < 20_000; i++)
        {
            byte[] msg = (byte[])original.Clone();
            int flips = rng.Next(1, 6);
            for (int f = 0; f < flips; f++)
                msg[rng.Next(msg.Length)] = (byte)rng.Next(256);
            int length = rng.Next(4) == 0 ? rng.Next(msg.Length) : msg.Length;
            BinaryPrimitives.WriteUInt16BigEndian(msg, Id);
            into.Clear();
            DnsReply r = DnsWire.ParseReply(msg.AsSpan(0, length), Id, qname, DnsWire.TypeA, into);
            Assert.True(r.AddressCount == into.Count);
        }
    }
}

using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;

namespace EdgeMonitor.Tests.Net;

/// <summary>The SNTP codec and the verdict on hand-made packets (RFC 5905 sections 7 and 8).</summary>
public sealed class NtpPacketTests
{
    private const ulong Origin = 0x0123_4567_89AB_CDEF;
    private static readonly DateTimeOffset T1 = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Request_is_48_bytes_li0_vn4_mode3_with_transmit_timestamp()
    {
        byte[] b = new byte[NtpPacket.Length];
        NtpPacket.Request(Origin).WriteTo(b);
        Assert.Equal(0x23, b[0]);
        Assert.All(b[1..40], x => Assert.Equal(0, x));
        Assert.Equal(new byte[] { 0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF }, b[40..48]);
    }

    [Fact]
    public void Header_fields_parse_from_known_bytes()
    {
        byte[] b = new byte[NtpPacket.Length];
        b[0] = 0xDC;        // LI 3, VN 3, mode 4
        b[1] = 16;          // stratum
        b[2] = 6;           // poll 2^6
        b[3] = 0xEC;        // precision -20
        b[4] = 0x00; b[5] = 0x01; b[6] = 0x80; b[7] = 0x00; // root delay 1.5 s
        b[12] = (byte)'L'; b[13] = (byte)'O'; b[14] = (byte)'C'; b[15] = (byte)'L';
        Assert.True(NtpPacket.TryParse(b, out NtpPacket p));
        Assert.Equal((3, 3, 4, 16, (sbyte)6, (sbyte)-20), (p.Leap, p.Version, p.Mode, p.Stratum, p.Poll, p.Precision));
        Assert.Equal(1500, NtpTime.ShortToMs(p.RootDelay));
        Assert.Equal(0x4C4F434Cu, p.ReferenceId);
        Assert.False(NtpPacket.TryParse(b[..47], out _));

        // Round trip through the writer.
        byte[] again = new byte[NtpPacket.Length];
        p.WriteTo(again);
        Assert.Equal(b, again);
    }

    [Fact]
    public void Timestamps_convert_in_both_eras()
    {
        // 2208988800 s after 1900 is the Unix epoch.
        Assert.Equal(DateTimeOffset.UnixEpoch, NtpTime.ToDateTime(2208988800UL << 32));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddMilliseconds(500), NtpTime.ToDateTime((2208988800UL << 32) | 0x8000_0000));
        // Top bit clear: era 1, which starts 2036-02-07 06:28:16 UTC (RFC 4330 section 3).
        Assert.Equal(new DateTimeOffset(2036, 2, 7, 6, 28, 16, TimeSpan.Zero), NtpTime.ToDateTime(0));
        foreach (var t in new[] { T1, new DateTimeOffset(2040, 1, 1, 0, 0, 0, TimeSpan.Zero), T1.AddTicks(1234567) })
            Assert.Equal(t.UtcTicks, NtpTime.ToDateTime(NtpTime.FromDateTime(t)).UtcTicks, 1.0);
    }

    [Fact]
    public void Offset_and_delay_follow_rfc5905()
    {
        // Server 10 s ahead; 20 ms each way; 1 ms in the server.
        var t2 = T1.AddSeconds(10).AddMilliseconds(20);
        var t3 = t2.AddMilliseconds(1);
        var t4 = T1.AddMilliseconds(41);
        var (offset, delay) = NtpProbe.Measure(T1, t2, t3, t4);
        Assert.Equal(TimeSpan.FromSeconds(10), offset);
        Assert.Equal(TimeSpan.FromMilliseconds(40), delay);
    }

    private static byte[] Bytes(NtpPacket p)
    {
        byte[] b = new byte[NtpPacket.Length];
        p.WriteTo(b);
        return b;
    }

    private static NtpPacket Good(TimeSpan serverAhead)
    {
        ulong t = NtpTime.FromDateTime(T1 + serverAhead);
        return new NtpPacket(0, 4, 4, 2, 6, -20, 0, 0, 0x7F000001, t, Origin, t, t);
    }

    private static ProbeOutcome? Judge(NtpPacket p, out string? why) =>
        NtpProbe.Judge(Bytes(p), Origin, T1, T1, TimeSpan.FromSeconds(1), out why);

    [Fact]
    public void Good_reply_passes_with_the_facts_in_the_detail()
    {
        ProbeOutcome o = Judge(Good(TimeSpan.FromMilliseconds(250)), out _)!;
        Assert.True(o.Pass, o.Detail);
        Assert.Contains("stratum 2", o.Detail);
        Assert.Contains("refid 127.0.0.1", o.Detail);
        Assert.Contains("offset +250.000 ms", o.Detail);
        Assert.Contains("leap none", o.Detail);
    }

    [Fact]
    public void Offset_beyond_the_limit_is_clock_skew_either_way()
    {
        ProbeOutcome behind = Judge(Good(TimeSpan.FromSeconds(5)), out _)!;
        Assert.Equal(Reason.ClockSkew, behind.Reason);
        Assert.Contains("behind", behind.Detail);
        ProbeOutcome ahead = Judge(Good(TimeSpan.FromSeconds(-5)), out _)!;
        Assert.Equal(Reason.ClockSkew, ahead.Reason);
        Assert.Contains("ahead", ahead.Detail);
    }

    [Theory]
    [InlineData("RATE")]
    [InlineData("DENY")]
    [InlineData("RSTR")]
    public void Stratum_zero_with_a_kiss_code_is_kod(string code)
    {
        var p = Good(TimeSpan.Zero) with { Stratum = 0, Leap = 3, ReferenceId = (uint)(code[0] << 24 | code[1] << 16 | code[2] << 8 | code[3]) };
        ProbeOutcome o = Judge(p, out _)!;
        Assert.Equal(Reason.NtpKod, o.Reason);
        Assert.Contains(code, o.Detail);
    }

    [Fact]
    public void Alarm_or_stratum_16_or_codeless_stratum_0_is_unsynchronized()
    {
        Assert.Equal(Reason.NtpUnsynchronized, Judge(Good(TimeSpan.Zero) with { Leap = 3 }, out _)!.Reason);
        Assert.Equal(Reason.NtpUnsynchronized, Judge(Good(TimeSpan.Zero) with { Stratum = 16 }, out _)!.Reason);
        Assert.Equal(Reason.NtpUnsynchronized, Judge(Good(TimeSpan.Zero) with { Stratum = 0, ReferenceId = 0, Leap = 3 }, out _)!.Reason);
    }

    [Fact]
    public void Packets_that_are_not_our_answer_are_ignored_with_a_reason()
    {
        Assert.Null(Judge(Good(TimeSpan.Zero) with { OriginTimestamp = Origin + 1 }, out string? why));
        Assert.Contains("origin", why);
        Assert.Null(Judge(Good(TimeSpan.Zero) with { Mode = 3 }, out why));
        Assert.Contains("mode 3", why);
        Assert.Null(Judge(Good(TimeSpan.Zero) with { Version = 2 }, out why));
        Assert.Contains("version 2", why);
        Assert.Null(Judge(Good(TimeSpan.Zero) with { TransmitTimestamp = 0 }, out _));
        Assert.Null(NtpProbe.Judge(new byte[12], Origin, T1, T1, TimeSpan.FromSeconds(1), out why));
        Assert.Contains("12-byte", why);
        // A forged kiss-of-death (wrong origin) must not stop us from using the server.
        Assert.Null(Judge(Good(TimeSpan.Zero) with { Stratum = 0, ReferenceId = 0x52415445, OriginTimestamp = 7 }, out _));
        // Version 3 servers are still answered.
        Assert.True(Judge(Good(TimeSpan.Zero) with { Version = 3 }, out _)!.Pass);
    }
}

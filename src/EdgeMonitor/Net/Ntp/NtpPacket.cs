// Namespace EdgeMonitor.Probes: the Ntp folder only groups the codec.

using System.Buffers.Binary;
using EdgeMonitor.Model;

namespace EdgeMonitor.Net;

/// <summary>NTP timestamp helpers (RFC 5905 section 6: 32-bit seconds since 1900 + 32-bit fraction).</summary>
public static class NtpTime
{
    private static readonly DateTimeOffset Era0 = new(1900, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Era1 = Era0.AddSeconds(1L << 32); // 2036-02-07 06:28:16 UTC

    public static ulong FromDateTime(DateTimeOffset t)
    {
        DateTimeOffset era = t >= Era1 ? Era1 : Era0;
        long ticks = (t - era).Ticks;
        ulong seconds = (ulong)(ticks / TimeSpan.TicksPerSecond);
        ulong fraction = (ulong)((ticks % TimeSpan.TicksPerSecond) << 32) / TimeSpan.TicksPerSecond;
        return (seconds << 32) | fraction;
    }

    /// <summary>
    /// RFC 4330 section 3: with the top bit of the seconds set the time is in 1968-2036 (era 0),
    /// clear it is in 2036-2104 (era 1). Good for this device's lifetime without knowing the era.
    /// </summary>
    public static DateTimeOffset ToDateTime(ulong ntp)
    {
        uint seconds = (uint)(ntp >> 32);
        uint fraction = (uint)ntp;
        DateTimeOffset era = (seconds & 0x8000_0000) != 0 ? Era0 : Era1;
        long ticks = (long)seconds * TimeSpan.TicksPerSecond + (long)(((ulong)fraction * TimeSpan.TicksPerSecond) >> 32);
        return era.AddTicks(ticks);
    }

    /// <summary>NTP short format (16.16 seconds), used by root delay and dispersion, in milliseconds.</summary>
    public static double ShortToMs(uint value) => value * 1000.0 / 65536.0;
}

/// <summary>
/// The 48-byte NTP header (RFC 5905 section 7.3, figure 8; RFC 4330 section 4). Extension
/// fields and MACs after it are ignored.
/// </summary>
public readonly record struct NtpPacket(
    int Leap,
    int Version,
    int Mode,
    int Stratum,
    sbyte Poll,
    sbyte Precision,
    uint RootDelay,
    uint RootDispersion,
    uint ReferenceId,
    ulong ReferenceTimestamp,
    ulong OriginTimestamp,
    ulong ReceiveTimestamp,
    ulong TransmitTimestamp)
{
    public const int Length = 48;
    public const int ModeClient = 3, ModeServer = 4;
    public const int LeapNone = 0, LeapAddSecond = 1, LeapDeleteSecond = 2, LeapAlarm = 3;

    /// <summary>RFC 5905 7.3: stratum 16 means unsynchronized; 0 is "unspecified", used by kiss-of-death.</summary>
    public const int StratumUnsynchronized = 16;

    /// <summary>A client request (RFC 4330 section 5): LI 0, VN 4, mode 3, everything zero but the transmit timestamp.</summary>
    public static NtpPacket Request(ulong transmit) =>
        new(LeapNone, 4, ModeClient, 0, 0, 0, 0, 0, 0, 0, 0, 0, transmit);

    public static bool TryParse(ReadOnlySpan<byte> data, out NtpPacket packet)
    {
        if (data.Length < Length)
        {
            packet = default;
            return false;
        }
        byte lvm = data[0];
        packet = new NtpPacket(
            lvm >> 6, (lvm >> 3) & 7, lvm & 7, data[1], (sbyte)data[2], (sbyte)data[3],
            BinaryPrimitives.ReadUInt32BigEndian(data[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[8..]),
            BinaryPrimitives.ReadUInt32BigEndian(data[12..]),
            BinaryPrimitives.ReadUInt64BigEndian(data[16..]),
            BinaryPrimitives.ReadUInt64BigEndian(data[24..]),
            BinaryPrimitives.ReadUInt64BigEndian(data[32..]),
            BinaryPrimitives.ReadUInt64BigEndian(data[40..]));
        return true;
    }

    public void WriteTo(Span<byte> dest)
    {
        dest[0] = (byte)(((Leap & 3) << 6) | ((Version & 7) << 3) | (Mode & 7));
        dest[1] = (byte)Stratum;
        dest[2] = (byte)Poll;
        dest[3] = (byte)Precision;
        BinaryPrimitives.WriteUInt32BigEndian(dest[4..], RootDelay);
        BinaryPrimitives.WriteUInt32BigEndian(dest[8..], RootDispersion);
        BinaryPrimitives.WriteUInt32BigEndian(dest[12..], ReferenceId);
        BinaryPrimitives.WriteUInt64BigEndian(dest[16..], ReferenceTimestamp);
        BinaryPrimitives.WriteUInt64BigEndian(dest[24..], OriginTimestamp);
        BinaryPrimitives.WriteUInt64BigEndian(dest[32..], ReceiveTimestamp);
        BinaryPrimitives.WriteUInt64BigEndian(dest[40..], TransmitTimestamp);
    }

    /// <summary>
    /// RFC 5905 7.4 / RFC 4330 section 8: in a stratum-0 packet the reference id is a four-letter
    /// ASCII kiss code (RATE, DENY, RSTR...). Null when it does not look like one (e.g. the zero
    /// refid of an unsynchronized chronyd).
    /// </summary>
    public string? KissCode
    {
        get
        {
            if (Stratum != 0 || ReferenceId == 0)
                return null;
            Span<char> code = stackalloc char[4];
            int n = 0;
            for (int shift = 24; shift >= 0; shift -= 8)
            {
                byte b = (byte)(ReferenceId >> shift);
                if (b == 0)
                    break; // codes may be shorter than four letters, NUL padded
                if (b is < (byte)'A' or > (byte)'Z')
                    return null;
                code[n++] = (char)b;
            }
            return n == 0 ? null : new string(code[..n]);
        }
    }

    /// <summary>RFC 5905 7.3: ASCII for stratum 0 and 1 (e.g. GPS, LOCL), an IPv4 address (or IPv6 hash) above.</summary>
    public string ReferenceIdText
    {
        get
        {
            if (Stratum <= 1)
            {
                Span<char> text = stackalloc char[4];
                int n = 0;
                for (int shift = 24; shift >= 0; shift -= 8)
                {
                    byte b = (byte)(ReferenceId >> shift);
                    if (b == 0)
                        break;
                    text[n++] = b is >= 0x20 and < 0x7F ? (char)b : '?';
                }
                return new string(text[..n]);
            }
            return $"{ReferenceId >> 24}.{(ReferenceId >> 16) & 0xFF}.{(ReferenceId >> 8) & 0xFF}.{ReferenceId & 0xFF}";
        }
    }

    /// <summary>
    /// RFC 5905 A.5.2 fit(): a server whose root distance (root delay / 2 + root dispersion)
    /// exceeds the distance threshold cannot synchronize anyone; 1.5 s as ntpd and chrony use.
    /// </summary>
    public const double MaxRootDistanceSeconds = 1.5;

    /// <summary>A negative round-trip delay beyond clock granularity means the reply's timestamps are made up.</summary>
    public static readonly TimeSpan NegativeDelayTolerance = TimeSpan.FromMilliseconds(5);

    /// <summary>Why a well-formed reply's own fields say its clock cannot be used (never synchronized, implausible root distance); null if they do not.</summary>
    public string? Unsynchronized()
    {
        if (ReferenceTimestamp == 0)
            return "reference time zero: the server has never synchronized";
        double distance = (RootDelay / 2.0 + RootDispersion) / 65536.0;
        return distance > MaxRootDistanceSeconds
            ? $"root distance {distance:0.###} s (root delay {NtpTime.ShortToMs(RootDelay):0.###} ms / 2 + root dispersion {NtpTime.ShortToMs(RootDispersion):0.###} ms) over {MaxRootDistanceSeconds} s"
            : null;
    }

    /// <summary>Why a measured round-trip delay is impossible (negative beyond <see cref="NegativeDelayTolerance"/>); null if it is not.</summary>
    public static string? ImplausibleDelay(TimeSpan delay) =>
        delay < -NegativeDelayTolerance ? $"negative round-trip delay {delay.TotalMilliseconds:0.###} ms: the reply's timestamps are made up" : null;

    public static string LeapName(int leap) => leap switch
    {
        LeapNone => "none",
        LeapAddSecond => "+1s",
        LeapDeleteSecond => "-1s",
        _ => "alarm",
    };
}

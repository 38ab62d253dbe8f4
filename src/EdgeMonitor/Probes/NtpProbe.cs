using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Probes;

/// <summary>
/// kind ntp: an SNTPv4 exchange (RFC 4330; header, timestamps and on-wire protocol per RFC 5905
/// sections 7 and 8) proves UDP 123 passes and that the server serves usable time; it also
/// measures this box's own clock against it, so a skewed local clock fails as clock_skew.
/// <para>
/// The request's transmit timestamp is random (as chrony's client does), not our clock: the
/// reply must echo it as its origin timestamp (RFC 5905 8, the "bogus" test), which a blind
/// spoofer or a stale reply cannot do. The local send and receive times T1 and T4 are kept
/// here, from <see cref="ProbeEnvironment.Time"/>, so tests can fake a skewed clock.
/// </para>
/// Replies that are not ours (short, wrong mode or version, wrong origin, zero transmit time)
/// are ignored and we keep listening, so one forged datagram cannot decide the result; if only
/// such replies came before the time ran out, the result is ntp_bad_response, not ntp_timeout.
/// </summary>
public sealed class NtpProbe : IProbe
{
    public const string Name = "ntp";
    public string Kind => Name;
    public Transport Transport => Transport.Udp;
    public Reason TimeoutReason => Reason.NtpTimeout;
    public Reason ErrorReason => Reason.NtpBadResponse;

    // NTP servers rate-limit (public pools answer a flood with RATE), and a clock drifts slowly.
    public TimeSpan? DefaultInterval => TimeSpan.FromSeconds(300);

    public IReadOnlyList<Reason> Reasons { get; } =
        [Reason.NtpTimeout, Reason.NtpKod, Reason.NtpUnsynchronized, Reason.NtpBadResponse, Reason.ClockSkew];

    // Room for extension fields and MACs some servers append; only the header is read.
    private const int ReceiveSize = 512;

    public async Task<ProbeOutcome> ProbeAsync(ProbeContext context)
    {
        IPEndPoint endpoint = context.RequireEndpoint();
        TimeProvider time = context.Environment.Time;
        byte[] buf = ArrayPool<byte>.Shared.Rent(NtpPacket.Length + ReceiveSize);
        int ignored = 0;
        string? lastIgnored = null;
        try
        {
            using var socket = new Socket(endpoint.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
            // Connected: the kernel drops datagrams from any other address or port, and ICMP errors surface.
            await socket.ConnectAsync(endpoint, context.Timeout).ConfigureAwait(false);

            ulong origin = RandomTransmit();
            NtpPacket.Request(origin).WriteTo(buf);
            DateTimeOffset t1 = time.GetUtcNow();
            long sent = time.GetTimestamp();
            await socket.SendAsync(buf.AsMemory(0, NtpPacket.Length), SocketFlags.None, context.Timeout).ConfigureAwait(false);

            Memory<byte> reply = buf.AsMemory(NtpPacket.Length, ReceiveSize);
            while (true)
            {
                int n = await socket.ReceiveAsync(reply, SocketFlags.None, context.Timeout).ConfigureAwait(false);
                // T4 = T1 + monotonic elapsed time: a clock step during the exchange cannot bend the delay.
                DateTimeOffset t4 = t1 + time.GetElapsedTime(sent);
                ProbeOutcome? verdict = Judge(reply.Span[..n], origin, t1, t4, context.Environment.MaxClockOffset, out string? why);
                if (verdict is not null)
                    return verdict;
                ignored++;
                lastIgnored = why;
            }
        }
        catch (OperationCanceledException) when (context.Timeout.IsCancellationRequested)
        {
            return ignored == 0
                ? ProbeOutcome.Fail(Reason.NtpTimeout, $"no NTP answer from {endpoint} in time")
                : ProbeOutcome.Fail(Reason.NtpBadResponse, $"{endpoint}: {ignored} unusable repl{(ignored == 1 ? "y" : "ies")}, last: {lastIgnored}");
        }
        catch (SocketException e)
        {
            // ICMP port unreachable or no route: nothing answered NTP. Not tcp_*: this is UDP.
            string what = e.SocketErrorCode == SocketError.ConnectionRefused
                ? "port unreachable (nothing answers NTP there, or a firewall rejects)"
                : e.SocketErrorCode.ToString();
            return ProbeOutcome.Fail(Reason.NtpTimeout, $"no NTP answer from {endpoint}: {what}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buf);
        }
    }

    private static ulong RandomTransmit()
    {
        Span<byte> r = stackalloc byte[8];
        RandomNumberGenerator.Fill(r);
        ulong v = BitConverter.ToUInt64(r);
        return v == 0 ? 1 : v; // zero means "not set" on the wire
    }

    /// <summary>RFC 5905 8: offset theta = ((T2-T1)+(T3-T4))/2, round-trip delay delta = (T4-T1)-(T3-T2).</summary>
    public static (TimeSpan Offset, TimeSpan Delay) Measure(DateTimeOffset t1, DateTimeOffset t2, DateTimeOffset t3, DateTimeOffset t4) =>
        (((t2 - t1) + (t3 - t4)) / 2, (t4 - t1) - (t3 - t2));

    /// <summary>
    /// The verdict on one datagram, or null (with why) when it is not a usable answer to our
    /// request and should be ignored. Pure, so it is unit-tested on hand-made packets.
    /// </summary>
    public static ProbeOutcome? Judge(ReadOnlySpan<byte> datagram, ulong origin, DateTimeOffset t1, DateTimeOffset t4, TimeSpan maxOffset, out string? why)
    {
        if (!NtpPacket.TryParse(datagram, out NtpPacket p))
        {
            why = $"{datagram.Length}-byte datagram, an NTP header is {NtpPacket.Length}";
            return null;
        }
        if (p.Version is < 3 or > 4)
        {
            why = $"version {p.Version}, expected 4 (or 3)";
            return null;
        }
        if (p.Mode != NtpPacket.ModeServer)
        {
            why = $"mode {p.Mode}, expected 4 (server)";
            return null;
        }
        // RFC 5905 8: origin must equal our transmit timestamp, else the reply is bogus (spoofed, stale or duplicate).
        if (p.OriginTimestamp != origin)
        {
            why = "origin timestamp does not echo our request (spoofed or stale reply)";
            return null;
        }
        why = null;

        // RFC 4330 section 8 / RFC 5905 7.4: stratum 0 carries a kiss code; the client must stop using the server.
        if (p.KissCode is { } kiss)
        {
            string meaning = kiss switch
            {
                "RATE" => "the server rate-limits us",
                "DENY" => "the server denies us access",
                "RSTR" => "the server restricts us",
                _ => "kiss-of-death",
            };
            return ProbeOutcome.Fail(Reason.NtpKod, $"kiss-of-death {kiss}: {meaning}");
        }
        if (p.Leap == NtpPacket.LeapAlarm || p.Stratum == 0 || p.Stratum >= NtpPacket.StratumUnsynchronized)
        {
            return ProbeOutcome.Fail(Reason.NtpUnsynchronized,
                $"server not synchronized (leap {NtpPacket.LeapName(p.Leap)}, stratum {p.Stratum}): its time cannot be used");
        }
        if (p.Unsynchronized() is { } unsynchronized)
            return ProbeOutcome.Fail(Reason.NtpUnsynchronized, $"server not synchronized ({unsynchronized}): its time cannot be used");
        if (p.TransmitTimestamp == 0 || p.ReceiveTimestamp == 0)
        {
            why = "zero receive or transmit timestamp";
            return null;
        }

        var (offset, delay) = Measure(t1, NtpTime.ToDateTime(p.ReceiveTimestamp), NtpTime.ToDateTime(p.TransmitTimestamp), t4);
        if (NtpPacket.ImplausibleDelay(delay) is { } impossible)
        {
            why = impossible;
            return null;
        }
        string detail = $"stratum {p.Stratum}, refid {p.ReferenceIdText}, offset {offset.TotalMilliseconds:+0.000;-0.000;0.000} ms, "
            + $"delay {delay.TotalMilliseconds:0.000} ms, leap {NtpPacket.LeapName(p.Leap)}, "
            + $"root delay {NtpTime.ShortToMs(p.RootDelay):0.###} ms, root dispersion {NtpTime.ShortToMs(p.RootDispersion):0.###} ms";
        return offset.Duration() > maxOffset
            ? ProbeOutcome.Fail(Reason.ClockSkew, $"local clock {offset.Duration().TotalSeconds:0.000} s {(offset > TimeSpan.Zero ? "behind" : "ahead of")} the server "
                + $"(limit {maxOffset.TotalMilliseconds:0} ms): {detail}")
            : ProbeOutcome.Ok(detail);
    }
}

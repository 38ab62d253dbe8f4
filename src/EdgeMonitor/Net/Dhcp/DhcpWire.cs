using System.Buffers.Binary;
using System.Net;
using EdgeMonitor.Net;

namespace EdgeMonitor.Net.Dhcp;

/// <summary>
/// The few DHCP messages EdgeMonitor needs (RFC 2131, options per RFC 2132): a DHCPINFORM
/// asking for the NTP servers (option 42), and reading them from the DHCPACK.
/// </summary>
public static class DhcpWire
{
    private const int FixedLength = 236;
    private static readonly byte[] MagicCookie = [99, 130, 83, 99];
    private const byte OptionMessageType = 53, OptionParameterList = 55, OptionNtpServers = 42, OptionServerId = 54, OptionEnd = 255, OptionPad = 0;
    private const byte MessageInform = 8, MessageAck = 5;

    /// <summary>
    /// RFC 2131 3.4: a client that already has its address asks for the rest with DHCPINFORM,
    /// ciaddr = its address, and the server answers with a DHCPACK sent straight to ciaddr.
    /// </summary>
    public static byte[] Inform(uint xid, IPAddress clientAddress, ReadOnlySpan<byte> hardwareAddress)
    {
        var p = new byte[FixedLength + MagicCookie.Length + 3 + 4 + 1];
        p[0] = 1; // BOOTREQUEST
        p[1] = 1; // Ethernet
        p[2] = (byte)Math.Min(hardwareAddress.Length, 16);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(4), xid);
        clientAddress.GetAddressBytes().CopyTo(p, 12); // ciaddr
        hardwareAddress[..p[2]].CopyTo(p.AsSpan(28));
        int at = FixedLength;
        MagicCookie.CopyTo(p, at);
        at += MagicCookie.Length;
        p[at++] = OptionMessageType; p[at++] = 1; p[at++] = MessageInform;
        p[at++] = OptionParameterList; p[at++] = 2; p[at++] = OptionNtpServers; p[at++] = OptionServerId;
        p[at] = OptionEnd;
        return p;
    }

    /// <summary>The NTP servers of a DHCPACK answering <paramref name="xid"/>; false when the datagram is not one.</summary>
    public static bool TryReadAck(ReadOnlySpan<byte> d, uint xid, out List<IPAddress> ntpServers, out IPAddress? server)
    {
        ntpServers = [];
        server = null;
        if (d.Length < FixedLength + MagicCookie.Length || d[0] != 2 || BinaryPrimitives.ReadUInt32BigEndian(d[4..]) != xid
            || !d.Slice(FixedLength, MagicCookie.Length).SequenceEqual(MagicCookie))
        {
            return false;
        }
        bool ack = false;
        for (int at = FixedLength + MagicCookie.Length; at < d.Length;)
        {
            byte code = d[at++];
            if (code == OptionPad)
                continue;
            if (code == OptionEnd || at >= d.Length)
                break;
            int len = d[at++];
            if (at + len > d.Length)
                return false;
            ReadOnlySpan<byte> value = d.Slice(at, len);
            switch (code)
            {
                case OptionMessageType when len == 1:
                    ack = value[0] == MessageAck;
                    break;
                case OptionNtpServers:
                    for (int i = 0; i + 4 <= len; i += 4)
                        ntpServers.Add(new IPAddress(value.Slice(i, 4)));
                    break;
                case OptionServerId when len == 4:
                    server = new IPAddress(value);
                    break;
            }
            at += len;
        }
        return ack;
    }
}

using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using EdgeMonitor.Net;

namespace EdgeMonitor.Net.Dhcp;

/// <summary>The NTP server a device at this site would use, and where that came from (shown to the admin).</summary>
public sealed record NtpServerChoice(string Host, int Port, string Source);

/// <summary>
/// DT: connectors use the NTP server the site's DHCP advertises (option 42) and fall back to the
/// fixed pools only when none is. This learns it the way a device would: DHCPINFORM (RFC 2131
/// 3.4) on the interface of the default route, the live answer of the site's DHCP server. When
/// that cannot be asked (no address, port 68 not ours) or nobody answers, the box's own DHCP
/// client state stands in: systemd-networkd or NetworkManager leases, dhclient lease files.
/// A DHCP server that answers without option 42 is final: none is advertised.
/// </summary>
public static class DhcpNtp
{
    private const int ClientPort = 68, ServerPort = 67;

    /// <summary>The advertised server, or null with why none (for the output).</summary>
    public static NtpServerChoice? Discover(TimeSpan timeout, out string why)
    {
        string? iface = DefaultRouteInterface("/proc/net/route");
        if (iface is null)
        {
            why = "no IPv4 default route to ask DHCP on";
            return null;
        }
        NtpServerChoice? asked = Inform(iface, timeout, out bool answered, out why);
        if (asked is not null || answered)
            return asked;
        NtpServerChoice? lease = FromLeases(iface);
        if (lease is null)
            why += $"; no lease of {iface} names one";
        return lease;
    }

    /// <summary>The interface of the IPv4 default route (/proc/net/route: destination and mask 0).</summary>
    public static string? DefaultRouteInterface(string routeFile)
    {
        try
        {
            foreach (string line in File.ReadLines(routeFile).Skip(1))
            {
                string[] f = line.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries);
                if (f.Length >= 8 && f[1] == "00000000" && f[7] == "00000000")
                    return f[0];
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }

    private static NtpServerChoice? Inform(string iface, TimeSpan timeout, out bool answered, out string why)
    {
        answered = false;
        NetworkInterface? nic = NetworkInterface.GetAllNetworkInterfaces().FirstOrDefault(n => n.Name == iface);
        IPAddress? own = nic?.GetIPProperties().UnicastAddresses
            .Select(u => u.Address).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        if (nic is null || own is null)
        {
            why = $"{iface} has no IPv4 address to ask DHCP from";
            return null;
        }
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.EnableBroadcast = true;
            TryBindToDevice(socket, iface);
            // The DHCPACK comes straight to ciaddr:68 (RFC 2131 4.1).
            socket.Bind(new IPEndPoint(own, ClientPort));
            uint xid = BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));
            byte[] request = DhcpWire.Inform(xid, own, nic.GetPhysicalAddress().GetAddressBytes());
            var buf = new byte[1500];
            var deadline = DateTime.UtcNow + timeout;
            // Sent twice within the time (a lost datagram is not "no DHCP server").
            for (int attempt = 0; attempt < 2; attempt++)
            {
                socket.SendTo(request, new IPEndPoint(IPAddress.Broadcast, ServerPort));
                var until = attempt == 0 ? DateTime.UtcNow + timeout / 2 : deadline;
                while (DateTime.UtcNow < until)
                {
                    socket.ReceiveTimeout = Math.Max(1, (int)(until - DateTime.UtcNow).TotalMilliseconds);
                    int n;
                    try
                    {
                        n = socket.Receive(buf);
                    }
                    catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
                    {
                        break;
                    }
                    if (!DhcpWire.TryReadAck(buf.AsSpan(0, n), xid, out var ntp, out IPAddress? server))
                        continue;
                    answered = true;
                    string from = server is null ? "" : $" from {server}";
                    if (ntp.Count == 0)
                    {
                        why = $"the DHCP server{from} advertises no NTP server (option 42) on {iface}";
                        return null;
                    }
                    why = "";
                    return new NtpServerChoice(ntp[0].ToString(), 123, $"DHCP option 42{from} (DHCPINFORM on {iface})");
                }
            }
            why = $"no DHCP server answered DHCPINFORM on {iface}";
            return null;
        }
        catch (SocketException e)
        {
            why = $"cannot ask DHCP on {iface} ({e.SocketErrorCode}{(e.SocketErrorCode == SocketError.AccessDenied ? ": port 68 needs CAP_NET_BIND_SERVICE" : "")})";
            return null;
        }
    }

    /// <summary>SO_BINDTODEVICE, so the broadcast leaves by the default route's interface; needs CAP_NET_RAW, optional.</summary>
    private static void TryBindToDevice(Socket socket, string iface)
    {
        try
        {
            socket.SetRawSocketOption(1 /* SOL_SOCKET */, 25 /* SO_BINDTODEVICE */, Encoding.ASCII.GetBytes(iface + "\0"));
        }
        catch (SocketException)
        {
        }
    }

    /// <summary>What the box's own DHCP client learnt for the interface, from its lease state.</summary>
    public static NtpServerChoice? FromLeases(string iface, string root = "/")
    {
        string Path(string p) => System.IO.Path.Combine(root, p.TrimStart('/'));
        string? index = Read(Path($"/sys/class/net/{iface}/ifindex"))?.Trim();
        // systemd-networkd (and NetworkManager's internal client, same format): NTP=a b ...
        if (index is not null && NtpLine(Read(Path($"/run/systemd/netif/leases/{index}"))) is { } nd)
            return new NtpServerChoice(nd, 123, $"systemd-networkd lease of {iface}");
        foreach (string dir in new[] { "/var/lib/NetworkManager" })
        {
            foreach (string f in Files(Path(dir), $"*-{iface}.lease"))
            {
                if (NtpLine(Read(f)) is { } nm)
                    return new NtpServerChoice(nm, 123, $"NetworkManager lease of {iface}");
            }
        }
        // dhclient: the last lease of the interface with "option ntp-servers a, b;".
        foreach (string dir in new[] { "/var/lib/dhcp", "/var/lib/dhclient" })
        {
            foreach (string f in Files(Path(dir), "*.lease*"))
            {
                if (DhclientNtp(Read(f), iface) is { } dh)
                    return new NtpServerChoice(dh, 123, $"dhclient lease of {iface}");
            }
        }
        return null;
    }

    private static string? NtpLine(string? lease) =>
        lease?.Split('\n').Where(l => l.StartsWith("NTP=", StringComparison.Ordinal))
            .Select(l => l[4..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()).FirstOrDefault(s => s is not null);

    public static string? DhclientNtp(string? leases, string iface)
    {
        if (leases is null)
            return null;
        string? found = null;
        foreach (string block in leases.Split("lease {").Skip(1))
        {
            if (!block.Contains($"interface \"{iface}\"", StringComparison.Ordinal))
                continue;
            foreach (string line in block.Split('\n'))
            {
                string t = line.Trim();
                if (t.StartsWith("option ntp-servers ", StringComparison.Ordinal))
                    found = t["option ntp-servers ".Length..].TrimEnd(';').Split(',')[0].Trim();
            }
        }
        return found;
    }

    private static IEnumerable<string> Files(string dir, string pattern)
    {
        try
        {
            return Directory.Exists(dir) ? Directory.GetFiles(dir, pattern) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private static string? Read(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

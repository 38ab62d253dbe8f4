using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace EdgeMonitor.Net;

/// <summary>
/// Connect-to overrides (like curl's --connect-to): keys `name`, `name:port`, `ip`, `ip:port`;
/// values `ip` or `ip:port` (IPv6 in brackets with a port). The name stays for SNI and Host;
/// a mapped name skips DNS. The most specific key (with port) wins.
/// </summary>
public sealed class AddressMap
{
    private readonly Dictionary<string, (IPAddress Address, int? Port)> _map = new(StringComparer.OrdinalIgnoreCase);

    public static AddressMap Empty { get; } = new();

    public int Count => _map.Count;

    /// <summary>Parses the config entries; returns the first bad one as an error message.</summary>
    public static bool TryCreate(IReadOnlyDictionary<string, string> entries, out AddressMap map, [NotNullWhen(false)] out string? error)
    {
        map = new AddressMap();
        foreach (var (key, value) in entries)
        {
            if (string.IsNullOrWhiteSpace(key) || !TryParseHostPort(key, out _, out _))
            {
                error = $"key '{key}' is not name, name:port, ip or ip:port";
                return false;
            }
            if (!TryParseHostPort(value, out string vhost, out int? vport) || !IPAddress.TryParse(vhost, out IPAddress? addr))
            {
                error = $"value '{value}' for '{key}' is not ip or ip:port";
                return false;
            }
            map._map[Normalize(key)] = (addr, vport);
        }
        error = null;
        return true;
    }

    public bool TryMap(string host, int port, out IPEndPoint endpoint)
    {
        if (_map.TryGetValue(Key(host, port), out var hit) || _map.TryGetValue(Normalize(host), out hit))
        {
            endpoint = new IPEndPoint(hit.Address, hit.Port ?? port);
            return true;
        }
        endpoint = null!;
        return false;
    }

    private static string Key(string host, int port) =>
        IPAddress.TryParse(host, out var a) && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6
            ? $"[{a}]:{port}" : $"{host}:{port}";

    private static string Normalize(string key)
    {
        TryParseHostPort(key, out string host, out int? port);
        if (IPAddress.TryParse(host, out var a))
            host = a.ToString();
        return port is null ? host : Key(host, port.Value);
    }

    /// <summary>host, host:port, ipv6, [ipv6], [ipv6]:port.</summary>
    public static bool TryParseHostPort(string s, out string host, out int? port)
    {
        host = s.Trim();
        port = null;
        if (host.Length == 0)
            return false;
        if (host.StartsWith('['))
        {
            int close = host.IndexOf(']');
            if (close < 0)
                return false;
            string rest = host[(close + 1)..];
            host = host[1..close];
            if (rest.Length == 0)
                return IPAddress.TryParse(host, out _);
            if (!rest.StartsWith(':') || !int.TryParse(rest[1..], out int p) || p is < 1 or > 65535)
                return false;
            port = p;
            return IPAddress.TryParse(host, out _);
        }
        int colon = host.IndexOf(':');
        if (colon >= 0 && host.IndexOf(':', colon + 1) >= 0)
            return IPAddress.TryParse(host, out _); // bare IPv6
        if (colon >= 0)
        {
            if (!int.TryParse(host[(colon + 1)..], out int p) || p is < 1 or > 65535)
                return false;
            port = p;
            host = host[..colon];
        }
        return host.Length > 0;
    }
}

using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using EdgeMonitor.Configuration;

namespace EdgeMonitor.Indicators.Display;

/// <summary>The box's own address as staff would read it to the NOC.</summary>
public static class HostAddress
{
    /// <summary>"IP 192.0.2.10": the IPv4 address of <paramref name="interfaceName"/>, else of the first interface that is up (not loopback); else a global IPv6 one.</summary>
    public static string Describe(string? interfaceName)
    {
        try
        {
            IPAddress? best = null;
            foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
            {
                if (interfaceName is not null ? nic.Name != interfaceName
                    : nic.OperationalStatus != OperationalStatus.Up || nic.NetworkInterfaceType == NetworkInterfaceType.Loopback)
                    continue;
                foreach (UnicastIPAddressInformation a in nic.GetIPProperties().UnicastAddresses)
                {
                    IPAddress ip = a.Address;
                    if (ip.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(ip))
                        return $"IP {ip}";
                    if (best is null && ip.AddressFamily == AddressFamily.InterNetworkV6 && !ip.IsIPv6LinkLocal && !IPAddress.IsLoopback(ip))
                        best = ip;
                }
            }
            return best is null ? "no IP address" : $"IP {best}";
        }
        catch (NetworkInformationException)
        {
            return "no IP address";
        }
    }
}

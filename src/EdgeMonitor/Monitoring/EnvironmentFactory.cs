using System.Net;
using System.Security.Cryptography.X509Certificates;
using EdgeMonitor.Configuration;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;

namespace EdgeMonitor.Monitoring;

/// <summary>Builds the probes' shared environment from a validated configuration (configuration itself is data only).</summary>
public static class EnvironmentFactory
{
    public static ProbeEnvironment Create(EdgeMonitorConfig c)
    {
        AddressMap.TryCreate(c.AddressMap, out AddressMap map, out _);
        var cas = new X509Certificate2Collection();
        if (c.Tls.ExtraCaFile is { } caFile)
        {
            try
            {
                cas.ImportFromPem(BoundedFile.ReadAllText(caFile, BoundedFile.CaMaxBytes));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                throw new ConfigException("config", "$.tls.extraCaFile", $"cannot load '{caFile}': {e.Message}");
            }
        }
        return new ProbeEnvironment
        {
            Resolver = CreateResolver(c.Dns),
            AddressMap = map,
            Timeout = TimeSpan.FromMilliseconds(c.Probe.TimeoutMs),
            Concurrency = c.Probe.Concurrency,
            MaxAddresses = c.Probe.MaxAddresses,
            Ipv6 = c.Probe.Ipv6,
            ExtraCas = cas,
            Lab = c.Probe.Lab,
            MaxClockOffset = TimeSpan.FromMilliseconds(c.Ntp.MaxOffsetMs),
        };
    }

    private static IResolver CreateResolver(DnsConfig dns)
    {
        if (dns.Server is null)
            return new SystemResolver();
        AddressMap.TryParseHostPort(dns.Server, out string host, out int? port);
        return new ServerResolver(new IPEndPoint(IPAddress.Parse(host), port ?? 53));
    }
}

using System.Security.Cryptography.X509Certificates;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Probes;

/// <summary>The shared, read-only setting every probe runs in; built once per configuration.</summary>
public sealed record ProbeEnvironment
{
    public required IResolver Resolver { get; init; }
    public AddressMap AddressMap { get; init; } = AddressMap.Empty;
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);
    public int Concurrency { get; init; } = 64;
    public Ipv6Mode Ipv6 { get; init; } = Ipv6Mode.Optional;

    /// <summary>Addresses of one name probed per family (probe.maxAddresses): the firewall must pass each.</summary>
    public int MaxAddresses { get; init; } = 4;

    /// <summary>Extra trust anchors beside the system store (tls.extraCaFile); for public targets only in a lab.</summary>
    public X509Certificate2Collection ExtraCas { get; init; } = [];

    /// <summary>Chain verdicts kept across probes; one table per configuration (a reload starts afresh).</summary>
    public ChainVerdicts ChainVerdicts { get; init; } = new();

    /// <summary>probe.lab: a test lab stands in for the vendors' public services (private addresses, a lab CA).</summary>
    public bool Lab { get; init; }

    /// <summary>The extra CAs this target may be anchored by: none for a vendor's public service outside a lab.</summary>
    public X509Certificate2Collection TrustFor(Target target) => target.Public && !Lab ? [] : ExtraCas;

    /// <summary>A local clock off by more than this fails as clock_skew.</summary>
    public TimeSpan MaxClockOffset { get; init; } = TimeSpan.FromSeconds(1);

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

using System.Net;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Probes;

/// <summary>Everything one probe run needs: the target, where to connect, and the shared environment.</summary>
public sealed class ProbeContext
{
    public required Target Target { get; init; }
    public required Family Family { get; init; }

    /// <summary>Where to connect; null for kinds that resolve names themselves (dns).</summary>
    public IPEndPoint? Endpoint { get; init; }

    public required ProbeEnvironment Environment { get; init; }

    /// <summary>Cancelled when the probe's time is up; probes pass it to every await.</summary>
    public required CancellationToken Timeout { get; init; }

    /// <summary>The name for SNI, Host and certificate checks: the target's host, never the mapped address.</summary>
    public string HostName => Target.Host;

    public IPEndPoint RequireEndpoint() =>
        Endpoint ?? throw new InvalidOperationException($"probe kind {Target.Kind} needs an address");
}

/// <summary>
/// One probe kind, and everything the rest of the program knows about it: a kind describes
/// itself here (name, transport, interval, lane, reasons, options), so adding one is its own
/// file and one row in <see cref="ProbeKinds"/>. Timeouts, latency, address resolution and
/// turning stray exceptions into reason codes are done once, in <see cref="ProbeRunner"/>.
/// A probe throws only for the unexpected; every expected failure is an outcome.
/// </summary>
public interface IProbe
{
    /// <summary>The kind's name in configs and JSON.</summary>
    string Kind { get; }

    Transport Transport { get; }

    /// <summary>The documented interval where monitor.intervalSeconds would be wrong (null: that setting);
    /// never shorter than monitor.intervalSeconds, and monitor.intervals.KIND overrides it.</summary>
    TimeSpan? DefaultInterval => null;

    /// <summary>
    /// Null for a kind that runs in the shared lane within probe.timeout. A kind that holds a
    /// connection on purpose (idle) returns the time it adds to probe.timeout for this target:
    /// it then runs in its own lane with that budget and never takes a shared slot.
    /// </summary>
    TimeSpan? OwnLaneTime(Target target) => null;

    /// <summary>The failure reasons this kind reports itself, beyond name resolution
    /// (<see cref="ProbeRunner"/>) and connecting (<see cref="Connector.Reasons"/>).</summary>
    IReadOnlyList<Reason> Reasons { get; }

    /// <summary>The per-target options (config field names beside id, kind, host, port) this kind reads.</summary>
    IReadOnlyList<string> Options => [];

    /// <summary>False for kinds that resolve the name themselves (dns).</summary>
    bool NeedsAddress => true;

    /// <summary>The reason reported when the probe's time runs out.</summary>
    Reason TimeoutReason { get; }

    /// <summary>The reason reported when the probe itself fails unexpectedly (a bug or an exotic reply), so one
    /// probe can never take the run down. Defaults to the timeout reason.</summary>
    Reason ErrorReason => TimeoutReason;

    Task<ProbeOutcome> ProbeAsync(ProbeContext context);
}

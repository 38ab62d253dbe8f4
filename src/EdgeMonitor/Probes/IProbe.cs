using System.Net;

namespace EdgeMonitor.Probes;

/// <summary>What a probe found: the verdict, its reason code, and a human detail line.</summary>
public sealed record ProbeOutcome(bool Pass, Reason Reason, string Detail)
{
    /// <summary>TLS: the issuer of the presented leaf, so interception can be told across targets.</summary>
    public string? Issuer { get; init; }

    public static ProbeOutcome Ok(string detail) => new(true, Reason.Ok, detail);
    public static ProbeOutcome Fail(Reason reason, string detail) => new(false, reason, detail);
}

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
/// One probe kind. Every kind has this one shape; timeouts, latency, address resolution and
/// turning stray exceptions into reason codes are done once, in <see cref="ProbeRunner"/>.
/// A probe throws only for the unexpected; every expected failure is an outcome.
/// </summary>
public interface IProbe
{
    /// <summary>The kind's name in configs and JSON.</summary>
    string Kind { get; }

    Transport Transport { get; }

    /// <summary>False for kinds that resolve the name themselves (dns).</summary>
    bool NeedsAddress => true;

    /// <summary>The reason reported when the probe's time runs out.</summary>
    Reason TimeoutReason { get; }

    /// <summary>The reason reported when the probe itself fails unexpectedly (a bug or an exotic reply), so one
    /// probe can never take the run down. Defaults to the timeout reason.</summary>
    Reason ErrorReason => TimeoutReason;

    Task<ProbeOutcome> ProbeAsync(ProbeContext context);
}

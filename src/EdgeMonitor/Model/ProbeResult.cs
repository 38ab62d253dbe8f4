namespace EdgeMonitor.Model;

/// <summary>One probe of one target over one family: the facts and the verdict.</summary>
/// <param name="Weight">The requirement this result counts as (IPv6 may weigh less than the target).</param>
public sealed record ProbeResult(
    Target Target,
    Family Family,
    string? Address,
    bool Pass,
    Reason Reason,
    string Detail,
    double LatencyMs,
    Requirement Weight,
    DateTimeOffset At)
{
    public string? Issuer { get; init; }
}

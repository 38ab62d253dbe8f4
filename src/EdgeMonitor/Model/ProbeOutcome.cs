namespace EdgeMonitor.Model;

/// <summary>What a probe found: the verdict, its reason code, and a human detail line.</summary>
public sealed record ProbeOutcome(bool Pass, Reason Reason, string Detail)
{
    /// <summary>TLS: the issuer of the presented leaf, so interception can be told across targets.</summary>
    public string? Issuer { get; init; }

    public static ProbeOutcome Ok(string detail) => new(true, Reason.Ok, detail);
    public static ProbeOutcome Fail(Reason reason, string detail) => new(false, reason, detail);
}

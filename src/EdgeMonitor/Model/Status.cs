namespace EdgeMonitor.Model;

/// <summary>The glance answer. Order matters: a larger value is worse, except Unknown (see <see cref="StatusOrder"/>).</summary>
public enum Status { Ok, Degraded, Failing, Unknown }

public static class StatusOrder
{
    public static string ToName(this Status s) => s switch
    {
        Status.Ok => "ok",
        Status.Degraded => "degraded",
        Status.Failing => "failing",
        _ => "unknown",
    };

    /// <summary>Severity for "worst of": failing > degraded > unknown > ok.</summary>
    public static int Severity(this Status s) => s switch
    {
        Status.Ok => 0,
        Status.Unknown => 1,
        Status.Degraded => 2,
        _ => 3,
    };

    public static Status Worst(Status a, Status b) => a.Severity() >= b.Severity() ? a : b;

    /// <summary>
    /// The worst status of some groups and why: the reason of the first group in that status
    /// (a profile's and the whole's verdict). No groups: unknown.
    /// </summary>
    public static (Status Status, Reason Reason) WorstOf(IReadOnlyCollection<GroupStatus> groups)
    {
        if (groups.Count == 0)
            return (Status.Unknown, Reason.Unknown);
        Status worst = groups.Select(g => g.Status).Aggregate(Status.Ok, Worst);
        return (worst, groups.First(g => g.Status == worst).Reason);
    }
}

public sealed record GroupStatus(string Profile, string Id, Status Status, Reason Reason, string Detail)
{
    public string Key => $"{Profile}/{Id}";
}

/// <param name="Reason">Its worst group's reason (see <see cref="StatusOrder.WorstOf"/>).</param>
public sealed record ProfileStatus(string Name, Status Status, Reason Reason)
{
    /// <summary>A profile's status: the worst of its groups.</summary>
    public static ProfileStatus Of(string name, IReadOnlyCollection<GroupStatus> groups)
    {
        var (status, reason) = StatusOrder.WorstOf(groups);
        return new ProfileStatus(name, status, reason);
    }
}

/// <summary>One evaluation of everything: overall, per profile, per group, and the results behind it.</summary>
public sealed record StatusSnapshot(
    Status Overall,
    Reason OverallReason,
    IReadOnlyList<ProfileStatus> Profiles,
    IReadOnlyList<GroupStatus> Groups,
    IReadOnlyList<ProbeResult> Results)
{
    /// <summary>Loaded from the last run's state file: shown until the first cycle of this run ends.</summary>
    public bool Stale { get; init; }

    /// <summary>Nothing checked yet: overall unknown, no groups.</summary>
    public static StatusSnapshot Empty { get; } = new(Status.Unknown, Reason.Unknown, [], [], []);
}

namespace EdgeMonitor.Model;

/// <summary>
/// One subject moving from one status to another, or staying but for a new reason (overall, groups).
/// <paramref name="Reason"/>: the subject's own (a profile's is its worst group's).
/// </summary>
public sealed record Transition(Subject Subject, Status From, Status To, Reason Reason, string Detail, DateTimeOffset At);

public enum SubjectKind { Overall, Profile, Group }

/// <summary>
/// What a transition is about: the whole, a profile (by name) or a group (by profile/id key).
/// Written out as "overall", "profile:NAME", "group:PROFILE/ID" (MQTT events, the log).
/// </summary>
public readonly record struct Subject(SubjectKind Kind, string Name)
{
    public static Subject Overall { get; } = new(SubjectKind.Overall, "");

    public static Subject Profile(string name) => new(SubjectKind.Profile, name);

    public static Subject Group(GroupStatus group) => new(SubjectKind.Group, group.Key);

    public bool IsOverall => Kind == SubjectKind.Overall;

    public override string ToString() => Kind switch
    {
        SubjectKind.Overall => "overall",
        SubjectKind.Profile => $"profile:{Name}",
        _ => $"group:{Name}",
    };
}

/// <summary>
/// What every output (LEDs, MQTT, log, state file) receives: the whole new picture, the one
/// before it, and what moved. Results that changed outcome or reason are listed too, so
/// per-target publishers need not diff.
/// </summary>
public sealed record StatusChange(
    StatusSnapshot Previous,
    StatusSnapshot Current,
    IReadOnlyList<Transition> Transitions,
    IReadOnlyList<ProbeResult> ChangedResults,
    DateTimeOffset At)
{
    public static StatusChange Between(StatusSnapshot previous, StatusSnapshot current, DateTimeOffset at)
    {
        var transitions = new List<Transition>();
        if (previous.Overall != current.Overall || previous.OverallReason != current.OverallReason)
            transitions.Add(new(Subject.Overall, previous.Overall, current.Overall, current.OverallReason, "", at));

        var oldProfiles = previous.Profiles.ToDictionary(p => p.Name, p => p.Status);
        foreach (var p in current.Profiles)
        {
            Status from = oldProfiles.TryGetValue(p.Name, out var s) ? s : Status.Unknown;
            if (from != p.Status)
                transitions.Add(new(Subject.Profile(p.Name), from, p.Status, p.Reason, "", at));
        }

        var oldGroups = previous.Groups.ToDictionary(g => g.Key);
        foreach (var g in current.Groups)
        {
            bool had = oldGroups.TryGetValue(g.Key, out var old);
            if (!had || old!.Status != g.Status || old.Reason != g.Reason)
                transitions.Add(new(Subject.Group(g), had ? old!.Status : Status.Unknown, g.Status, g.Reason, g.Detail, at));
        }

        var oldResults = previous.Results.ToDictionary(r => (r.Target.Key, r.Family));
        var changed = current.Results
            .Where(r => !oldResults.TryGetValue((r.Target.Key, r.Family), out var o) || o.Pass != r.Pass || o.Reason != r.Reason)
            .ToList();
        return new StatusChange(previous, current, transitions, changed, at);
    }
}

/// <summary>
/// An output of the status stream. Called on the monitor's own loop, in order, once per
/// change: implementations hand the work off and return at once; they must not throw.
/// </summary>
public interface IStatusSink
{
    void OnStatus(StatusChange change);
}

/// <summary>What outputs and inputs may ask of the running monitor (button, MQTT command, SIGUSR1).</summary>
public interface IMonitorControl
{
    /// <summary>Re-check every target now, ahead of schedule.</summary>
    void RecheckNow(string why);

    /// <summary>Blink every LED for a while, so staff can find the box.</summary>
    void Identify(TimeSpan duration);
}

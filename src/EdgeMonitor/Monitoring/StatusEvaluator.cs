using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Monitoring;

/// <summary>
/// Turns results into group, profile and overall status. Pure: the same results give the same
/// answer. Group rules (a group is a primary and its fallbacks):
/// every required primary passes and every fallback passes: ok; a required primary fails but a
/// fallback passes: degraded; a fallback fails while the primaries pass: degraded with its reason;
/// required primaries fail and no fallback passes: failing. Optional failures and reachable
/// blocked targets degrade. A group with no result yet is unknown.
/// </summary>
public static class StatusEvaluator
{
    /// <summary>The picture from the probes' results; verdicts across targets (TLS interception) are made here, once.</summary>
    public static StatusSnapshot Evaluate(IReadOnlyList<Target> targets, IReadOnlyList<ProbeResult> results)
    {
        results = TlsInterception.Reclassify(results);
        var byTarget = results.GroupBy(r => r.Target.Key).ToDictionary(g => g.Key, g => g.ToList());
        var groups = new List<GroupStatus>();
        foreach (var g in targets.GroupBy(t => (t.Profile, t.Group)))
        {
            var groupResults = g.SelectMany(t => byTarget.TryGetValue(t.Key, out var rs) ? rs : []).ToList();
            groups.Add(EvaluateGroup(g.Key.Profile, g.Key.Group, g.ToList(), groupResults));
        }

        var profiles = groups.GroupBy(g => g.Profile).Select(p => ProfileStatus.Of(p.Key, [.. p])).ToList();

        var (overall, reason) = StatusOrder.WorstOf(groups);
        if (IsUplinkDown(results))
            reason = Reason.UplinkDown;
        return new StatusSnapshot(overall, reason, profiles, groups, results);
    }

    /// <summary>Every result failed at the network level (nothing answered at all): blame the uplink once.</summary>
    public static bool IsUplinkDown(IReadOnlyList<ProbeResult> results)
    {
        var relevant = results.Where(r => r.Target.Requirement != Requirement.Blocked).ToList();
        return relevant.Count >= 3 && relevant.All(r => !r.Pass && (r.Reason.IsNetworkLevel() || r.Reason == Reason.TcpUnreachable));
    }

    public static GroupStatus EvaluateGroup(string profile, string group, IReadOnlyList<Target> targets, IReadOnlyList<ProbeResult> results)
    {
        if (results.Count == 0)
            return new GroupStatus(profile, group, Status.Unknown, Reason.Unknown, "not checked yet");

        // Targets without results yet (first cycle in progress) keep the group unknown unless already failing.
        bool complete = targets.All(t => results.Any(r => r.Target.Key == t.Key));

        var required = results.Where(r => r.Weight == Requirement.Required).ToList();
        var primaries = required.Where(r => r.Target.Role == Role.Primary).ToList();
        var fallbacks = required.Where(r => r.Target.Role == Role.Fallback).ToList();
        var failedPrimary = primaries.FirstOrDefault(r => !r.Pass);
        var failedFallback = fallbacks.FirstOrDefault(r => !r.Pass);
        // A group whose only required entries are fallbacks (unusual) treats them as primaries.
        if (primaries.Count == 0 && fallbacks.Count > 0)
        {
            failedPrimary = failedFallback;
            if (fallbacks.All(r => !r.Pass))
                return Make(Status.Failing, failedPrimary!, "every endpoint fails");
            failedFallback = null;
            failedPrimary = null;
        }

        if (failedPrimary is not null)
        {
            var serving = fallbacks.FirstOrDefault(r => r.Pass);
            return serving is null
                ? Make(Status.Failing, failedPrimary, fallbacks.Count > 0 ? "primary and every fallback fail" : "required endpoint fails")
                : Make(Status.Degraded, failedPrimary, $"primary fails; served by fallback {serving.Target.Id}");
        }
        if (failedFallback is not null)
            return Make(Status.Degraded, failedFallback, "primary passes; a fallback fails");

        var reachable = results.FirstOrDefault(r => r.Weight == Requirement.Blocked && !r.Pass);
        if (reachable is not null)
            return Make(Status.Degraded, reachable, "must be blocked but is reachable");
        var optional = results.FirstOrDefault(r => r.Weight == Requirement.Optional && !r.Pass);
        if (optional is not null)
            return Make(Status.Degraded, optional, "optional endpoint fails");

        return complete
            ? new GroupStatus(profile, group, Status.Ok, Reason.Ok, $"{results.Count} result(s) pass")
            : new GroupStatus(profile, group, Status.Unknown, Reason.Unknown, "first check in progress");

        GroupStatus Make(Status s, ProbeResult r, string why) =>
            new(profile, group, s, r.Reason, $"{why}: {r.Target.Id} ({r.Family.ToName()}) {r.Reason.ToCode()}: {r.Detail}");
    }
}

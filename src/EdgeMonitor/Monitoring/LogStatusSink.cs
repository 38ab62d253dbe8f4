using EdgeMonitor.Model;
using EdgeMonitor.Net;
using Serilog;

namespace EdgeMonitor.Monitoring;

/// <summary>The log output of the status stream: one line per status change, never one per probe.</summary>
public sealed class LogStatusSink(ILogger log) : IStatusSink
{
    public void OnStatus(StatusChange change)
    {
        if (change.Current.Stale)
        {
            log.Information("last known status (stale until the first check ends): {Overall} ({Reason})",
                change.Current.Overall.ToName(), change.Current.OverallReason.ToCode());
            return;
        }
        // The uplink is down: say so once, not once per endpoint (the state file and MQTT keep the detail).
        if (change.Current.OverallReason == Reason.UplinkDown)
        {
            if (change.Transitions.Any(t => t.Subject.IsOverall))
            {
                log.Warning("overall {From} -> {To} (uplink_down): every one of {Results} results fails at the network level",
                    change.Previous.Overall.ToName(), change.Current.Overall.ToName(), change.Current.Results.Count);
            }
            return;
        }
        foreach (Transition t in change.Transitions)
        {
            // A group appearing as unknown at start is not news.
            if (t.From == t.To && t.To == Status.Unknown)
                continue;
            if (t.Subject.Kind == SubjectKind.Group)
                log.Information("{Subject} {From} -> {To} ({Reason}): {Detail}", t.Subject.ToString(), t.From.ToName(), t.To.ToName(), t.Reason.ToCode(), t.Detail);
            else
                log.Information("{Subject} {From} -> {To} ({Reason})", t.Subject.ToString(), t.From.ToName(), t.To.ToName(), t.Reason.ToCode());
        }
        if (change.Previous.Results.Count == 0)
            return; // the first picture: the group lines above say it all
        foreach (var r in change.ChangedResults)
        {
            log.Information("target {Target} {Family} {Outcome} ({Reason}): {Detail}",
                r.Target.Key, r.Family.ToName(), r.Pass ? "pass" : "fail", r.Reason.ToCode(), r.Detail);
        }
    }
}

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
                change.Current.Overall.ToName(), change.Current.OverallReason);
            return;
        }
        // The uplink is down: say so once, not once per endpoint (the state file and MQTT keep the detail).
        if (change.Current.OverallReason == Reason.UplinkDown.ToCode())
        {
            if (change.Transitions.Any(t => t.Subject == "overall"))
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
            if (t.Subject == "overall")
                log.Information("overall {From} -> {To} ({Reason})", t.From.ToName(), t.To.ToName(), t.Reason);
            else if (t.Reason.Length == 0)
                log.Information("{Subject} {From} -> {To}", t.Subject, t.From.ToName(), t.To.ToName());
            else
                log.Information("{Subject} {From} -> {To} ({Reason}): {Detail}", t.Subject, t.From.ToName(), t.To.ToName(), t.Reason, t.Detail);
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

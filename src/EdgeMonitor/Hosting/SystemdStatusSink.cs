using EdgeMonitor.Model;

namespace EdgeMonitor.Hosting;

/// <summary>`systemctl status` shows the current answer: STATUS= on every change.</summary>
public sealed class SystemdStatusSink(SystemdNotifier notifier) : IStatusSink
{
    public void OnStatus(StatusChange change)
    {
        StatusSnapshot s = change.Current;
        notifier.Status(s.Stale
            ? $"last known {s.Overall.ToName()} ({s.OverallReason.ToCode()}), checking"
            : $"{s.Overall.ToName()} ({s.OverallReason.ToCode()})");
    }
}

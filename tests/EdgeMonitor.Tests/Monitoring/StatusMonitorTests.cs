using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Daemon;
using Serilog;

namespace EdgeMonitor.Tests.Monitoring;

/// <summary>The monitor loop in process against real loopback listeners, watched through its sinks and heartbeat.</summary>
public sealed class StatusMonitorTests
{
    private sealed class Recorder : IStatusSink, IProgressObserver
    {
        private readonly object _gate = new();
        public long Probes;
        public readonly List<(StatusChange Change, long ProbesAt)> Changes = [];
        public bool SawUnhealthy;

        public void OnStatus(StatusChange change)
        {
            lock (_gate)
                Changes.Add((change, Interlocked.Read(ref Probes)));
        }

        public void OnProgress(in MonitorProgress progress)
        {
            Interlocked.Exchange(ref Probes, progress.ProbesCompleted);
            if (!progress.Healthy)
                SawUnhealthy = true;
        }

        public (StatusChange Change, long ProbesAt)? First(Func<StatusChange, bool> p)
        {
            lock (_gate)
                return Changes.FirstOrDefault(c => p(c.Change)) is { Change: not null } x ? x : null;
        }
    }

    private static async Task<T> Until<T>(Func<T?> f, string what) where T : struct
    {
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (DateTime.UtcNow < deadline)
        {
            if (f() is { } v)
                return v;
            await Task.Delay(50);
        }
        throw new TimeoutException(what);
    }

    [Fact]
    public async Task Failure_is_confirmed_by_quick_reprobes_before_the_group_fails()
    {
        using var a = new AcceptingListener();
        var target = new Target("lab", "api", "tcp", "127.0.0.1", a.Port, Requirement.Required, Role.Primary, "api", "test");
        // A long interval: only the quick re-probe of a just-failed target can confirm the failure in time.
        var setup = new MonitorSetup([target],
            new ProbeEnvironment { Resolver = new SystemResolver(), Timeout = TimeSpan.FromSeconds(1) },
            new MonitorConfig { IntervalSeconds = 2, Jitter = 0, FailuresToFail = 3, SuccessesToRecover = 1 });
        var rec = new Recorder();
        var monitor = new StatusMonitor(setup, [rec], [rec], new LoggerConfiguration().CreateLogger());
        using var stop = new CancellationTokenSource();
        Task run = monitor.RunAsync(stop.Token);

        // Nothing but unknown until the first cycle completes.
        var first = rec.Changes[0].Change;
        Assert.Equal(Status.Unknown, first.Current.Overall);
        await Until(() => rec.First(c => c.Current.Overall == Status.Ok), "ok");

        long probesBefore = Interlocked.Read(ref rec.Probes);
        a.Stop();
        var failing = await Until(() => rec.First(c => c.Current.Overall == Status.Failing), "failing");
        // Three failed probes, each after the listener stopped, stand behind the change.
        Assert.True(failing.ProbesAt - probesBefore >= 3, $"failing after {failing.ProbesAt - probesBefore} probes: " + string.Join(", ", rec.Changes.Select(c => $"{c.Change.Current.Overall}@{c.ProbesAt}")));
        Assert.Equal(Reason.TcpRefused, failing.Change.Current.OverallReason);
        Assert.Contains(failing.Change.Transitions, t => t.Subject.ToString() == "group:lab/api" && t.From == Status.Ok && t.To == Status.Failing);

        monitor.RecheckNow("test");
        stop.Cancel();
        await run;
        Assert.False(rec.SawUnhealthy);
    }
}

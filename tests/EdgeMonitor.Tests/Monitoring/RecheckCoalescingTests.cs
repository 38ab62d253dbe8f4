using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Daemon;
using EdgeMonitor.Tests.Reporting;
using Serilog;

namespace EdgeMonitor.Tests.Monitoring;

/// <summary>A flood of `recheck` requests costs one re-check, not one per request (issue 17).</summary>
public sealed class RecheckCoalescingTests
{
    /// <summary>A clock that moves only when the test says, so "within the spacing" is not a matter of speed.</summary>
    private sealed class ManualTime : TimeProvider
    {
        private long _ticks = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero).UtcTicks;

        public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

        public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    }

    /// <summary>Counts the monitor's heartbeats: one after each time it has read everything in its inbox.</summary>
    private sealed class Beats : IProgressObserver
    {
        private long _count;

        public long Count => Interlocked.Read(ref _count);

        public void OnProgress(in MonitorProgress progress) => Interlocked.Increment(ref _count);
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(40);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(what);
            await Task.Delay(20);
        }
    }

    [Fact]
    public async Task A_thousand_rechecks_probe_once_log_once_and_the_next_after_the_spacing_probes_again()
    {
        using var listener = new AcceptingListener();
        var target = new Target("lab", "api", "tcp", "127.0.0.1", listener.Port, Requirement.Required, Role.Primary, "api", "test");
        var setup = new MonitorSetup([target],
            new ProbeEnvironment { Resolver = new SystemResolver(), Timeout = TimeSpan.FromSeconds(2) },
            new MonitorConfig { IntervalSeconds = 3600, Jitter = 0 });
        var time = new ManualTime();
        var log = new ListSink();
        var beats = new Beats();
        var monitor = new StatusMonitor(setup, [], [beats], new LoggerConfiguration().WriteTo.Sink(log).CreateLogger(), time: time);
        using var stop = new CancellationTokenSource();
        Task run = monitor.RunAsync(stop.Token);
        await Until(() => monitor.ProbesCompleted == 1, "the first probe");
        time.Advance(RecheckSpacingAndABit);

        for (int i = 0; i < 1000; i++)
            monitor.RecheckNow("mqtt command");
        await Until(() => monitor.ProbesCompleted >= 2, "the re-check");
        // The clock has not moved: every later request falls within the spacing.
        for (int i = 0; i < 1000; i++)
            monitor.RecheckNow("mqtt command");
        // Two heartbeats on: the second follows a read of the inbox that began after the last request.
        long seen = beats.Count;
        await Until(() => beats.Count >= seen + 2, "the monitor to read the requests");
        time.Advance(RecheckSpacingAndABit);
        monitor.RecheckNow("button"); // after the spacing: a re-check of its own, saying how many were joined
        await Until(() => monitor.ProbesCompleted >= 3, "the re-check after the spacing");
        stop.Cancel();
        await run;

        string text = log.Text;
        Assert.True(monitor.ProbesCompleted == 3, $"{monitor.ProbesCompleted} probes:\n{text}");
        await Until(() => listener.Accepted >= 3, "the listener to count three connections");
        Assert.Equal(3, listener.Accepted);
        Assert.Equal(2, Count(text, "re-checking every target now"));
        Assert.True(Count(text, "joined to it") == 1, text);
        Assert.Contains("1999 requests were joined", text);
    }

    private static readonly TimeSpan RecheckSpacingAndABit = StatusMonitor.RecheckSpacing + TimeSpan.FromSeconds(1);

    private static int Count(string text, string what) => text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));
}

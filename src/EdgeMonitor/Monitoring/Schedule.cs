using EdgeMonitor.Configuration;
using EdgeMonitor.Probes;

namespace EdgeMonitor.Monitoring;

/// <summary>
/// How often each kind is probed. monitor.intervals names a kind; otherwise the kind's own
/// documented default (<see cref="IProbe.DefaultInterval"/>, never below monitor.intervalSeconds);
/// otherwise monitor.intervalSeconds.
/// Every wait gets random jitter so a thousand boxes do not beat in step.
/// </summary>
public sealed class Schedule(MonitorConfig config, Random? random = null)
{
    /// <summary>A target that just failed is probed again this soon, before its state may change.</summary>
    public static TimeSpan QuickRetry { get; } = TimeSpan.FromSeconds(2);

    private readonly Random _random = random ?? Random.Shared;

    public TimeSpan IntervalFor(string kind)
    {
        if (config.Intervals.TryGetValue(kind, out int s))
            return TimeSpan.FromSeconds(s);
        if (ProbeKinds.Find(kind)?.DefaultInterval is { } d)
            return TimeSpan.FromSeconds(Math.Max(d.TotalSeconds, config.IntervalSeconds));
        return TimeSpan.FromSeconds(config.IntervalSeconds);
    }

    /// <summary>The interval with +-jitter applied (jitter is a fraction, 0..0.5).</summary>
    public TimeSpan NextWait(string kind) => Jittered(IntervalFor(kind));

    public TimeSpan Jittered(TimeSpan interval)
    {
        double f = 1 + config.Jitter * (2 * _random.NextDouble() - 1);
        return TimeSpan.FromMilliseconds(Math.Max(100, interval.TotalMilliseconds * f));
    }

    /// <summary>Where a target's first probe lands: spread a little (at most 3 s), so the first answer comes soon.</summary>
    public TimeSpan FirstDelay(string kind) =>
        TimeSpan.FromMilliseconds(Math.Min(3000, IntervalFor(kind).TotalMilliseconds * config.Jitter) * _random.NextDouble());
}

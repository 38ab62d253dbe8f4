using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Monitoring;

/// <summary>
/// One heartbeat of the monitor loop (at least once a second). <see cref="Healthy"/> is false
/// when a probe has been in flight far past its time limit, i.e. the scheduler is not really
/// making progress. The systemd watchdog and the LED stall safety both read this one signal.
/// </summary>
public readonly record struct MonitorProgress(
    DateTimeOffset At,
    long ProbesCompleted,
    long Cycles,
    bool Healthy,
    string Detail);

/// <summary>Subscribes to the heartbeat. Called on the monitor loop: return at once, never throw.</summary>
public interface IProgressObserver
{
    void OnProgress(in MonitorProgress progress);
}

/// <summary>Remembers the last healthy heartbeat; thread-safe. Watchdogs and stall detectors poll it.</summary>
public sealed class ProgressTracker(TimeProvider? time = null) : IProgressObserver
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private long _lastHealthyTicks = (time ?? TimeProvider.System).GetUtcNow().UtcTicks;
    private long _cycles;

    public void OnProgress(in MonitorProgress progress)
    {
        Interlocked.Exchange(ref _cycles, progress.Cycles);
        if (progress.Healthy)
            Interlocked.Exchange(ref _lastHealthyTicks, progress.At.UtcTicks);
    }

    public long Cycles => Interlocked.Read(ref _cycles);

    /// <summary>How long since the loop last reported healthy progress.</summary>
    public TimeSpan SinceHealthy => _time.GetUtcNow() - new DateTimeOffset(Interlocked.Read(ref _lastHealthyTicks), TimeSpan.Zero);
}

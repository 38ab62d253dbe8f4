using EdgeMonitor.Monitoring;
using Serilog;

namespace EdgeMonitor.Hosting;

/// <summary>
/// Pings the systemd watchdog at half its interval, but only while the monitor loop reports
/// healthy progress within that interval: a hung loop or a stuck probe stops the pings and
/// systemd restarts the service.
/// </summary>
public sealed class Watchdog(SystemdNotifier notifier, ProgressTracker progress, TimeSpan interval, ILogger log) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _task;

    public void Start() => _task = RunAsync(_stop.Token);

    private async Task RunAsync(CancellationToken ct)
    {
        TimeSpan period = interval / 2;
        // The loop beats at least once a second; allow a missed beat or two before withholding.
        TimeSpan allowed = period > TimeSpan.FromSeconds(3) ? period : TimeSpan.FromSeconds(3);
        bool warned = false;
        using var timer = new PeriodicTimer(period);
        try
        {
            do
            {
                if (progress.SinceHealthy < allowed)
                {
                    notifier.Watchdog();
                    warned = false;
                }
                else if (!warned)
                {
                    warned = true;
                    log.Warning("no monitor progress for {Seconds:0} s: withholding watchdog pings", progress.SinceHealthy.TotalSeconds);
                }
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        if (_task is not null)
            await _task.ConfigureAwait(false);
        _stop.Dispose();
    }
}

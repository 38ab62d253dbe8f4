using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;

namespace EdgeMonitor.Monitoring;

/// <summary>
/// Which runner probes each target, and when a probe in flight counts as stuck: the one plan
/// `run`, `check` and `mqtt-test` all follow. Targets share one runner (and its concurrency
/// bound) unless their kind asks for its own lane (<see cref="IProbe.OwnLaneTime"/>).
/// </summary>
public sealed class ProbePlan
{
    /// <summary>One target, the runner it goes through and how long it may take before it is stuck.</summary>
    public sealed record Lane(Target Target, ProbeRunner Runner, TimeSpan StuckAfter)
    {
        /// <summary>The time a kind adds beyond probe.timeout for this target (null: none, shared lane).</summary>
        public TimeSpan? OwnTime { get; init; }
    }

    public IReadOnlyList<Lane> Lanes { get; }

    public ProbePlan(IReadOnlyList<Target> targets, ProbeEnvironment env)
    {
        var shared = new ProbeRunner(env);
        TimeSpan timeout = env.Timeout;
        int concurrency = Math.Max(1, env.Concurrency);
        int sharedCount = targets.Count(t => OwnTime(t) is null);
        int waves = (sharedCount + concurrency - 1) / concurrency;
        // Resolution and probe each get the timeout; queued probes wait their turn in waves.
        TimeSpan sharedStuck = timeout * 2 * (waves + 1) + TimeSpan.FromSeconds(30);
        var lanes = new List<Lane>(targets.Count);
        foreach (Target t in targets)
        {
            lanes.Add(OwnTime(t) is { } own
                ? new Lane(t, new ProbeRunner(OwnLane(env, own)), timeout * 3 + own + TimeSpan.FromSeconds(30)) { OwnTime = own }
                : new Lane(t, shared, sharedStuck));
        }
        Lanes = lanes;
    }

    /// <summary>Probes every target once, each in its lane; results in target order.</summary>
    public async Task<IReadOnlyList<ProbeResult>> RunOnceAsync(CancellationToken ct)
    {
        var runs = Lanes.Select(l => l.Runner.RunAsync(l.Target, ct)).ToArray();
        await Task.WhenAll(runs).ConfigureAwait(false);
        return runs.SelectMany(r => r.Result).ToList();
    }

    private static TimeSpan? OwnTime(Target t) => ProbeKinds.Find(t.Kind)?.OwnLaneTime(t);

    /// <summary>
    /// A lane's environment: its time limit covers the kind's own time plus the usual probe
    /// timeout, and it never takes a slot of the shared concurrency bound.
    /// </summary>
    private static ProbeEnvironment OwnLane(ProbeEnvironment env, TimeSpan own) => env with
    {
        Timeout = env.Timeout + own,
        // IPv4 and IPv6 of one target run side by side, so the lane never waits on itself.
        Concurrency = 2,
    };
}

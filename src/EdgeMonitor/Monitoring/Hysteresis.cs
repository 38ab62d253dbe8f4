using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Monitoring;

/// <summary>
/// Per-target hysteresis, applied to results before <see cref="StatusEvaluator"/> sees them, so
/// LEDs and the NOC do not flap. A target's "shape" is which of its families pass. A new batch
/// with the shape of the accepted one is accepted at once (fresh latency, a changed reason);
/// a batch with a new shape stands only after it repeats: failuresToFail times when it fails
/// more, successesToRecover times when it fails less. The very first batch stands at once.
/// </summary>
public sealed class Hysteresis(int failuresToFail, int successesToRecover)
{
    private sealed class State
    {
        public required IReadOnlyList<ProbeResult> Accepted;
        public IReadOnlyList<ProbeResult>? Pending;
        public int PendingCount;
    }

    private readonly Dictionary<string, State> _states = new(StringComparer.Ordinal);

    public int FailuresToFail { get; } = failuresToFail;
    public int SuccessesToRecover { get; } = successesToRecover;

    /// <summary>What happened to a batch.</summary>
    public enum Verdict
    {
        /// <summary>Accepted: same shape as before, or the first batch, or the change is confirmed.</summary>
        Accepted,
        /// <summary>Held back: a change toward failure waits for confirmation (re-probe soon).</summary>
        PendingFailure,
        /// <summary>Held back: a recovery waits for confirmation.</summary>
        PendingRecovery,
    }

    /// <summary>Takes one target's fresh batch; returns the verdict. <see cref="Accepted"/> holds what counts.</summary>
    public Verdict Observe(string targetKey, IReadOnlyList<ProbeResult> batch) => Observe(targetKey, batch, out _);

    /// <summary>As above; <paramref name="outcomeChanged"/> tells whether what counts changed in outcome or reason (not just latency).</summary>
    public Verdict Observe(string targetKey, IReadOnlyList<ProbeResult> batch, out bool outcomeChanged)
    {
        outcomeChanged = false;
        if (!_states.TryGetValue(targetKey, out State? s))
        {
            _states[targetKey] = new State { Accepted = batch };
            outcomeChanged = true;
            return Verdict.Accepted;
        }
        if (SameShape(batch, s.Accepted, withReason: false))
        {
            outcomeChanged = !SameShape(batch, s.Accepted, withReason: true);
            s.Accepted = batch;
            s.Pending = null;
            s.PendingCount = 0;
            return Verdict.Accepted;
        }
        // A different new shape than the pending one restarts the count.
        if (s.Pending is null || !SameShape(batch, s.Pending, withReason: false))
        {
            s.Pending = batch;
            s.PendingCount = 0;
        }
        s.PendingCount++;
        bool worse = Failures(batch) > Failures(s.Accepted) || (Failures(batch) == Failures(s.Accepted) && batch.Count < s.Accepted.Count);
        int needed = worse ? FailuresToFail : SuccessesToRecover;
        if (s.PendingCount >= needed)
        {
            s.Accepted = batch;
            s.Pending = null;
            s.PendingCount = 0;
            outcomeChanged = true;
            return Verdict.Accepted;
        }
        return worse ? Verdict.PendingFailure : Verdict.PendingRecovery;
    }

    /// <summary>The accepted results of one target, or null before its first batch.</summary>
    public IReadOnlyList<ProbeResult>? Accepted(string targetKey) =>
        _states.TryGetValue(targetKey, out State? s) ? s.Accepted : null;

    /// <summary>Forgets targets that are no longer configured (after a reload).</summary>
    public void Retain(IReadOnlySet<string> keys)
    {
        foreach (string k in _states.Keys.Where(k => !keys.Contains(k)).ToList())
            _states.Remove(k);
    }

    private static int Failures(IReadOnlyList<ProbeResult> batch)
    {
        int n = 0;
        foreach (var r in batch)
        {
            if (!r.Pass)
                n++;
        }
        return n;
    }

    // The shape: which families pass (optionally: and why). Latency never counts. Allocation-free:
    // this runs once per probe.
    private static bool SameShape(IReadOnlyList<ProbeResult> a, IReadOnlyList<ProbeResult> b, bool withReason)
    {
        if (a.Count != b.Count)
            return false;
        for (int i = 0; i < a.Count; i++)
        {
            bool found = false;
            for (int j = 0; j < b.Count && !found; j++)
                found = a[i].Family == b[j].Family && a[i].Pass == b[j].Pass && (!withReason || a[i].Reason == b[j].Reason);
            if (!found)
                return false;
        }
        return true;
    }
}

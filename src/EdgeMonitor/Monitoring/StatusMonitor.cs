using System.Threading.Channels;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using Serilog;

namespace EdgeMonitor.Monitoring;

/// <summary>
/// The daemon's heart: schedules every target on its kind's interval (with jitter), runs probes
/// through the <see cref="ProbePlan"/> (kinds that hold a connection in their own lanes), applies hysteresis,
/// evaluates status and hands each change to every sink in order. All state lives on one loop;
/// probes, signals, the button and MQTT only post messages to it.
/// </summary>
public sealed class StatusMonitor : IMonitorControl
{
    private abstract record Message;
    private sealed record Done(Slot Slot, IReadOnlyList<ProbeResult> Results) : Message;
    private sealed record Recheck(string Why) : Message;
    private sealed record Reload(MonitorSetup Setup) : Message;
    private sealed record Tick : Message
    {
        public static readonly Tick Instance = new();
    }

    private sealed class Slot(Target target, ProbeRunner runner, TimeSpan stuckAfter)
    {
        public Target Target { get; } = target;
        public ProbeRunner Runner { get; } = runner;
        public TimeSpan StuckAfter { get; } = stuckAfter;
        public DateTimeOffset Due;
        public DateTimeOffset LaunchedAt;
        public bool InFlight;
        public bool RecheckAfter;
        public bool ProbedThisRound;
    }

    private readonly Channel<Message> _inbox = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IReadOnlyList<IStatusSink> _sinks;
    private readonly IReadOnlyList<IProgressObserver> _observers;
    private readonly TimeProvider _time;
    private readonly ILogger _log;

    private MonitorSetup _setup;
    private Schedule _schedule;
    private Hysteresis _hysteresis;
    private List<Slot> _slots = [];
    private CancellationTokenSource _generation = new();
    private StatusSnapshot _published;
    private bool _firstCyclePublished;
    // Re-check requests (button, MQTT, SIGUSR1) are coalesced: see RecheckSpacing.
    private readonly HashSet<Slot> _recheckPending = [];
    private DateTimeOffset _lastRecheck = DateTimeOffset.MinValue;
    private long _rechecksCoalesced;
    private long _probesCompleted;
    private long _cycles;

    public StatusMonitor(MonitorSetup setup, IReadOnlyList<IStatusSink> sinks, IReadOnlyList<IProgressObserver> observers,
        ILogger log, StatusSnapshot? stale = null, TimeProvider? time = null)
    {
        _setup = setup;
        _sinks = sinks;
        _observers = observers;
        _log = log;
        _time = time ?? TimeProvider.System;
        _schedule = new Schedule(setup.Monitor);
        _hysteresis = new Hysteresis(setup.Monitor.FailuresToFail, setup.Monitor.SuccessesToRecover);
        _published = stale ?? StatusEvaluator.Evaluate(setup.Targets, []);
    }

    /// <summary>The last published picture (stale or unknown until the first cycle ends). Any thread.</summary>
    public StatusSnapshot Current => Volatile.Read(ref _published);

    public long Cycles => Interlocked.Read(ref _cycles);

    public long ProbesCompleted => Interlocked.Read(ref _probesCompleted);

    /// <summary>Raised by <see cref="Identify"/>; the LED indicator subscribes.</summary>
    public event Action<TimeSpan>? IdentifyRequested;

    /// <summary>
    /// A re-check probes every target once, so requests are coalesced: while one is still running
    /// (up to <see cref="RecheckMaxRun"/>), or within this long of the last one started, a new
    /// request joins it instead of starting another. The first coalesced request is logged, the
    /// rest are counted and said with the next re-check. (Trial: 10,000 MQTT commands made
    /// 43,556 probes in 10 s, which public NTP pools answer with RATE.)
    /// </summary>
    public static readonly TimeSpan RecheckSpacing = TimeSpan.FromSeconds(10);

    /// <summary>A re-check whose probes have not all come back by then no longer holds others off.</summary>
    public static readonly TimeSpan RecheckMaxRun = TimeSpan.FromMinutes(5);

    public void RecheckNow(string why) => _inbox.Writer.TryWrite(new Recheck(why));

    public void Identify(TimeSpan duration)
    {
        _log.Information("identify requested for {Seconds} s", duration.TotalSeconds);
        try
        {
            IdentifyRequested?.Invoke(duration);
        }
        catch (Exception e)
        {
            _log.Warning("identify handler failed: {Error}", e.Message);
        }
    }

    /// <summary>Swaps in a new (already validated) configuration; unchanged targets keep their state.</summary>
    public void Reconfigure(MonitorSetup setup) => _inbox.Writer.TryWrite(new Reload(setup));

    /// <summary>Runs until <paramref name="stop"/> is cancelled. Probes in flight are cancelled, not awaited.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        using var stopReg = stop.Register(() => _inbox.Writer.TryComplete());
        Publish(StatusSnapshot.Empty, _published, force: true);
        BuildSlots(_setup);
        // Wake-ups come as a message from a one-shot timer: no cancellation exception per wait
        // (that was most of the loop's CPU on a board).
        using var wake = new Timer(static s => ((StatusMonitor)s!)._inbox.Writer.TryWrite(Tick.Instance), this,
            Timeout.Infinite, Timeout.Infinite);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                DateTimeOffset now = _time.GetUtcNow();
                DateTimeOffset next = now + TimeSpan.FromSeconds(1);
                foreach (Slot s in _slots)
                {
                    if (s.InFlight)
                        continue;
                    if (s.Due <= now)
                        Launch(s, now);
                    else if (s.Due < next)
                        next = s.Due;
                }

                wake.Change((long)Math.Max(1, Math.Ceiling((next - now).TotalMilliseconds)), Timeout.Infinite);
                if (!await _inbox.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
                    break;

                bool changed = false;
                while (_inbox.Reader.TryRead(out Message? m))
                    changed |= Handle(m);
                // Progress first: observers (watchdog, LED stall safety) know of every probe the change rests on.
                Heartbeat();
                if (changed)
                    Evaluate();
            }
        }
        finally
        {
            _generation.Cancel();
            _generation.Dispose();
        }
    }

    private void BuildSlots(MonitorSetup setup)
    {
        DateTimeOffset now = _time.GetUtcNow();
        var slots = new List<Slot>(setup.Targets.Count);
        foreach (ProbePlan.Lane lane in new ProbePlan(setup.Targets, setup.Environment).Lanes)
        {
            var s = new Slot(lane.Target, lane.Runner, lane.StuckAfter);
            s.Due = now + _schedule.FirstDelay(lane.Target.Kind);
            slots.Add(s);
        }
        _slots = slots;
    }

    private void Launch(Slot s, DateTimeOffset now)
    {
        s.InFlight = true;
        s.LaunchedAt = now;
        CancellationToken ct = _generation.Token;
        _ = Task.Run(async () =>
        {
            IReadOnlyList<ProbeResult> results;
            try
            {
                results = await s.Runner.RunAsync(s.Target, ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // A probe bug must not take the daemon down; it shows as this target failing, with its kind's error reason.
                _log.Warning("probe {Target} threw {Error}", s.Target.Key, e.Message);
                Reason reason = ProbeKinds.Find(s.Target.Kind)?.ErrorReason ?? Reason.TcpUnreachable;
                results = [new ProbeResult(s.Target, Family.Any, null, false, reason,
                    $"probe error: {e.GetType().Name}: {e.Message}", 0, s.Target.Requirement, _time.GetUtcNow())];
            }
            _inbox.Writer.TryWrite(new Done(s, results));
        }, CancellationToken.None);
    }

    private bool Handle(Message m)
    {
        DateTimeOffset now = _time.GetUtcNow();
        switch (m)
        {
            case Done d when _slots.Contains(d.Slot):
            {
                Slot s = d.Slot;
                s.InFlight = false;
                Interlocked.Increment(ref _probesCompleted);
                Hysteresis.Verdict v = _hysteresis.Observe(s.Target.Key, d.Results, out bool outcomeChanged);
                s.Due = v == Hysteresis.Verdict.PendingFailure
                    ? now + Min(Schedule.QuickRetry, _schedule.IntervalFor(s.Target.Kind))
                    : now + _schedule.NextWait(s.Target.Kind);
                if (s.RecheckAfter)
                {
                    s.Due = now;
                    s.RecheckAfter = false;
                }
                else
                {
                    _recheckPending.Remove(s);
                }
                s.ProbedThisRound = true;
                if (_slots.TrueForAll(x => x.ProbedThisRound))
                {
                    Interlocked.Increment(ref _cycles);
                    foreach (Slot x in _slots)
                        x.ProbedThisRound = false;
                }
                // Only a change in what counts (outcome, reason) is worth an evaluation; fresh
                // latencies alone are not. Until the first picture is out, every answer counts.
                return outcomeChanged || !_firstCyclePublished;
            }
            case Done:
                return false; // from a configuration replaced since
            case Recheck r:
                if ((_recheckPending.Count > 0 && now - _lastRecheck < RecheckMaxRun) || now - _lastRecheck < RecheckSpacing)
                {
                    if (_rechecksCoalesced++ == 0)
                    {
                        _log.Information("re-check requested ({Why}) while one is running or less than {Seconds} s after the last: joined to it; "
                            + "further requests are counted, not logged", r.Why, RecheckSpacing.TotalSeconds);
                    }
                    return false;
                }
                if (_rechecksCoalesced > 0)
                    _log.Information("re-checking every target now ({Why}); {Coalesced} requests were joined to the last one", r.Why, _rechecksCoalesced);
                else
                    _log.Information("re-checking every target now ({Why})", r.Why);
                _rechecksCoalesced = 0;
                _lastRecheck = now;
                _recheckPending.Clear();
                foreach (Slot s in _slots)
                {
                    _recheckPending.Add(s);
                    if (s.InFlight)
                        s.RecheckAfter = true;
                    else
                        s.Due = now;
                }
                return false;
            case Reload r:
                ApplyReload(r.Setup);
                return true;
        }
        return false;
    }

    private void ApplyReload(MonitorSetup setup)
    {
        _recheckPending.Clear(); // its slots are gone
        _generation.Cancel();
        _generation.Dispose();
        _generation = new CancellationTokenSource();
        var hysteresis = new Hysteresis(setup.Monitor.FailuresToFail, setup.Monitor.SuccessesToRecover);
        var old = _setup.Targets.ToDictionary(t => t.Key);
        foreach (Target t in setup.Targets)
        {
            // Unchanged targets keep what they showed; changed or new ones start over.
            if (old.TryGetValue(t.Key, out Target? o) && o == t && _hysteresis.Accepted(t.Key) is { } accepted)
                hysteresis.Observe(t.Key, accepted);
        }
        _hysteresis = hysteresis;
        _schedule = new Schedule(setup.Monitor);
        _setup = setup;
        BuildSlots(setup);
        _log.Information("configuration reloaded: {Targets} targets", setup.Targets.Count);
    }

    private void Evaluate()
    {
        var results = new List<ProbeResult>(_slots.Count * 2);
        bool complete = true;
        foreach (Slot s in _slots)
        {
            if (_hysteresis.Accepted(s.Target.Key) is { } accepted)
                results.AddRange(accepted);
            else
                complete = false;
        }
        // Unknown (or the stale picture) until every target has answered once.
        if (!complete)
            return;
        StatusSnapshot snapshot = StatusEvaluator.Evaluate(_setup.Targets, results);
        bool first = !_firstCyclePublished;
        _firstCyclePublished = true;
        Publish(_published, snapshot, force: first);
    }

    private void Publish(StatusSnapshot previous, StatusSnapshot current, bool force)
    {
        StatusChange change = StatusChange.Between(previous, current, _time.GetUtcNow());
        if (!force && change.Transitions.Count == 0 && change.ChangedResults.Count == 0)
        {
            // Same status: keep the fresh latencies for readers of Current, tell no one.
            Volatile.Write(ref _published, current);
            return;
        }
        Volatile.Write(ref _published, current);
        foreach (IStatusSink sink in _sinks)
        {
            try
            {
                sink.OnStatus(change);
            }
            catch (Exception e)
            {
                _log.Warning("status sink {Sink} failed: {Error}", sink.GetType().Name, e.Message);
            }
        }
    }

    private void Heartbeat()
    {
        DateTimeOffset now = _time.GetUtcNow();
        string detail = "ok";
        bool healthy = true;
        foreach (Slot s in _slots)
        {
            if (s.InFlight && now - s.LaunchedAt > s.StuckAfter)
            {
                healthy = false;
                detail = $"probe {s.Target.Key} stuck for {(now - s.LaunchedAt).TotalSeconds:0} s";
                break;
            }
        }
        var p = new MonitorProgress(now, _probesCompleted, Interlocked.Read(ref _cycles), healthy, detail);
        foreach (IProgressObserver o in _observers)
        {
            try
            {
                o.OnProgress(p);
            }
            catch (Exception e)
            {
                _log.Warning("progress observer {Observer} failed: {Error}", o.GetType().Name, e.Message);
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

using System.Diagnostics;
using System.Threading.Channels;
using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;

namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>
/// Reports the status stream over MQTT (README "## MQTT"). <see cref="OnStatus"/> and
/// <see cref="Reconfigure"/> only enqueue; one task of its own spools, publishes, reconnects and
/// handles commands, so no state is shared between threads. Events go through the crash-safe
/// <see cref="Spool"/> and leave it only on the broker's PUBACK (<see cref="EventPump"/>). Status,
/// target and discovery payloads are retained, kept in the <see cref="RetainedStore"/> and
/// republished on every connect; a topic the configuration no longer has is cleared (an empty
/// retained message), never republished. A lost connection is replaced after a jittered
/// backoff (1 s doubling to mqtt.reconnectMaxSeconds).
/// </summary>
public sealed class MqttReporter : IStatusSink, IAsyncDisposable
{
    /// <summary>How long a stop may wait for the broker's acknowledgements before it disconnects.</summary>
    private static readonly TimeSpan StopBudget = TimeSpan.FromMilliseconds(500);

    private readonly Channel<MqttInput> _inputs = Channel.CreateUnbounded<MqttInput>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Serilog.ILogger _log;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;
    private readonly Spool _spool;
    private readonly RetainedTopics _retained;
    private readonly EventPump _events;
    private readonly MqttCommands _commands;
    private readonly Task _loop;
    private int _disposed;

    // Owned by the loop task.
    private MqttSettings _settings;
    private IReadOnlyList<Target> _targets;
    private MqttConnection? _connection;
    private long _generation;
    private bool _connected;
    private string? _lastFailure;
    private int _attempts;
    private DateTimeOffset _nextAttempt;
    private DateTimeOffset _nextSave;
    private StatusSnapshot? _latest;
    private bool _fresh;
    // Failures already logged, by what failed: a full or read-only disk is said once per distinct error, not every second.
    private readonly Dictionary<string, string> _failing = new(StringComparer.Ordinal);
    private string? _spoolWriteError;

    private MqttReporter(MqttSettings settings, IReadOnlyList<Target> targets, Serilog.ILogger log, IMonitorControl control,
        TimeProvider time, Spool spool, RetainedStore retained)
    {
        _settings = settings;
        _targets = targets;
        _log = log;
        _time = time;
        _started = ProcessStart(time);
        _spool = spool;
        _retained = new RetainedTopics(retained, log);
        _events = new EventPump(spool);
        _commands = new MqttCommands(control, log);
        _spoolWriteError = spool.WriteError; // an unavailable spool was said at creation
        _nextAttempt = time.GetUtcNow();
        Announce();
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// The reporter for `run`, or null (with one log line saying why) when MQTT is off or the
    /// settings cannot be used (e.g. a group- or world-readable credentials file).
    /// </summary>
    public static MqttReporter? TryCreate(MqttConfig config, string site, string node, IReadOnlyList<Target> targets,
        string stateDirectory, Serilog.ILogger log, IMonitorControl control, TimeProvider time)
    {
        if (!MqttSection.IsOn(config))
        {
            log.Information("MQTT off (no mqtt.host, or mqtt.enabled is false)");
            return null;
        }
        Spool? spool = null;
        try
        {
            var settings = MqttSettings.From(config, site, node);
            spool = OpenSpool(config, stateDirectory, log);
            var reporter = new MqttReporter(settings, targets, log, control, time, spool, new RetainedStore(stateDirectory));
            log.Information("MQTT reporting to {Host}:{Port} as {ClientId} under {Prefix} ({Pending} spooled events)",
                settings.Host, settings.Port, settings.ClientId, settings.Topics.Prefix, spool.Count);
            WarnIfPlain(settings, log);
            return reporter;
        }
        catch (Exception e) when (e is MqttSettingsException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            spool?.Dispose();
            log.Error("MQTT off: {Error}", e.Message);
            return null;
        }
    }

    /// <summary>
    /// The spool in the state directory; when that directory cannot hold one (read-only, not a
    /// directory) MQTT still goes on: the retained status needs no disk, and events are dropped
    /// and counted (their seq gaps show them) instead of switching reporting off.
    /// </summary>
    private static Spool OpenSpool(MqttConfig config, string stateDirectory, Serilog.ILogger log)
    {
        try
        {
            var spool = new Spool(stateDirectory, config.SpoolMaxEvents, config.SpoolMaxBytes);
            if (spool.Recovery is { } recovery)
                log.Warning("MQTT spool: {Recovery}", recovery);
            return spool;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.Error("MQTT spool unavailable in {Directory}: {Error}; events are dropped and counted in droppedEvents until a restart "
                + "with a writable state directory; the retained status still goes out", stateDirectory, e.Message);
            return Spool.Unavailable(e.Message);
        }
    }

    private static void WarnIfPlain(MqttSettings s, Serilog.ILogger log)
    {
        if (s.Credentials is not null && s.Tls is null)
        {
            log.Warning("MQTT credentials go to {Host}:{Port} over plain TCP: anyone on the path can read the password (configure mqtt.tls)",
                s.Host, s.Port);
        }
    }

    /// <summary>Never blocks, never throws: the change is queued for the reporter's task.</summary>
    public void OnStatus(StatusChange change) => _inputs.Writer.TryWrite(new StatusInput(change));

    /// <summary>
    /// New settings and targets from a reload: topics, site and node take effect at once (the
    /// old retained topics are cleared), connection settings by reconnecting. Throws
    /// <see cref="MqttSettingsException"/> when the new settings cannot be used (the old ones stay).
    /// </summary>
    public void Reconfigure(MqttConfig config, string site, string node, IReadOnlyList<Target> targets)
    {
        var settings = MqttSettings.From(config, site, node);
        WarnIfPlain(settings, _log);
        _inputs.Writer.TryWrite(new ReconfigureInput(settings, targets));
    }

    /// <summary>Clean shutdown: availability offline and a short wait for acknowledgements (at most 0.5 s), then disconnect.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
            return;
        _inputs.Writer.TryWrite(StopInput.Instance);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.Error("MQTT reporter failed: {Error}", e.Message);
        }
        _spool.Dispose();
    }

    private async Task RunAsync()
    {
        var inputs = _inputs.Reader;
        while (true)
        {
            var now = _time.GetUtcNow();
            if (_connection is null && now >= _nextAttempt)
                Connect();
            if (!inputs.TryPeek(out _))
            {
                // Sleep until an input, the next connection attempt or the once-a-second housekeeping.
                TimeSpan wait = _nextSave - now;
                if (_connection is null && _nextAttempt - now < wait)
                    wait = _nextAttempt - now;
                wait = TimeSpan.FromMilliseconds(Math.Clamp(wait.TotalMilliseconds, 10, 1000));
                using var cts = new CancellationTokenSource(wait, _time);
                try
                {
                    await inputs.WaitToReadAsync(cts.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
            bool stop = false;
            while (!stop && inputs.TryRead(out var input))
                stop = await HandleAsync(input).ConfigureAwait(false);
            // One fsync for the batch, then publish: events first, then retained payloads.
            Guard("syncing the spool", _spool.Commit);
            if (_connected)
            {
                _events.Pump(_connection!);
                _ = _retained.Publish(_connection!, _inputs.Writer);
            }
            now = _time.GetUtcNow();
            // Off the latency path, at most once a second: a crash in between costs duplicates
            // (ack) or a one-second-old status (retained), nothing more.
            if (now >= _nextSave)
                Housekeeping();
            if (stop)
            {
                await StopAsync().ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>One input; true when it is the stop.</summary>
    private async Task<bool> HandleAsync(MqttInput input)
    {
        switch (input)
        {
            case StopInput:
                return true;
            case StatusInput s:
                Guard("spooling a status change", () => Apply(s.Change));
                break;
            case ReconfigureInput r:
                await ReconfigureAsync(r).ConfigureAwait(false);
                break;
            case ClearedInput c:
                _retained.Cleared(c.Topic);
                break;
            case ConnectionInput c when _connection is null || c.Generation != _generation:
                break; // from a connection already replaced
            case ConnectedInput:
                OnConnected();
                break;
            case LostInput l:
                await LostAsync(l.Reason).ConfigureAwait(false);
                break;
            case DeliveredInput d:
                Guard("acknowledging an event", () => _events.Delivered(d.Seq));
                break;
            case CommandInput m:
                _commands.Handle(m);
                break;
        }
        return false;
    }

    /// <summary>
    /// A failing disk (full, read-only) costs what could not be written and one log line per
    /// distinct error (and one when it works again), never the reporter.
    /// </summary>
    private void Guard(string what, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            if (!_failing.TryGetValue(what, out string? said) || said != e.Message)
                _log.Error("MQTT reporter: {What} failed: {Error}", what, e.Message);
            _failing[what] = e.Message;
            return;
        }
        if (_failing.Remove(what))
            _log.Information("MQTT reporter: {What} works again", what);
    }

    /// <summary>Each save on its own: one that fails never skips the other.</summary>
    private void Housekeeping()
    {
        _nextSave = _time.GetUtcNow() + TimeSpan.FromSeconds(1);
        Guard("saving the retained topics", _retained.Save);
        Guard("saving the spool position", _spool.SaveAck);
    }

    /// <summary>The spool refusing events (disk full, read-only): said when it starts, changes and ends, not per event.</summary>
    private void ReportSpoolWrites()
    {
        string? now = _spool.WriteError;
        if (now == _spoolWriteError)
            return;
        if (now is not null)
        {
            _log.Error("MQTT spool cannot write events: {Error}; each is dropped and counted in droppedEvents (its seq is a gap) "
                + "until the disk takes them again", now);
        }
        else
        {
            _log.Information("MQTT spool writes events again ({Dropped} dropped so far)", _spool.Dropped);
        }
        _spoolWriteError = now;
    }

    private void Connect()
    {
        _connection = MqttConnection.Start(_settings, _inputs.Writer, ++_generation);
    }

    private void OnConnected()
    {
        _connected = true;
        _attempts = 0;
        _lastFailure = null;
        _log.Information("MQTT connected to {Host}:{Port}; {Spooled} events to deliver", _settings.Host, _settings.Port, _spool.Count);
        _ = _connection!.Publish(_settings.Topics.Availability, MqttPayloads.Online, retain: true);
        // Fresh uptime and spool counters for the status the broker keeps.
        if (_latest is not null)
            _retained.Set(_settings.Topics.Status, StatusPayload(_latest));
        _retained.AllUnpublished();
    }

    /// <summary>The connection failed or went away: drop it, log once per distinct reason, back off.</summary>
    private async Task LostAsync(string reason)
    {
        bool was = _connected;
        await DropAsync().ConfigureAwait(false);
        if (was || reason != _lastFailure)
        {
            _log.Warning("MQTT broker {Host}:{Port} unreachable: {Reason}; retrying with backoff, {Spooled} events spooled",
                _settings.Host, _settings.Port, reason, _spool.Count);
        }
        _lastFailure = reason;
        _attempts = was ? 1 : _attempts + 1;
        double max = Math.Max(1, _settings.ReconnectMax.TotalSeconds);
        double delay = Math.Min(max, Math.Pow(2, Math.Min(_attempts - 1, 20)));
        // Jitter (50..100 %) so a thousand boxes do not return to a restarted broker at once.
        delay *= 0.5 + Random.Shared.NextDouble() / 2;
        _nextAttempt = _time.GetUtcNow() + TimeSpan.FromSeconds(delay);
    }

    /// <summary>A clean disconnect if still connected; whatever was not acknowledged goes again from the spool.</summary>
    private async Task DropAsync()
    {
        var c = _connection;
        _connection = null;
        _connected = false;
        _events.Reset();
        if (c is not null)
            await c.DisposeAsync().ConfigureAwait(false);
    }

    private async Task StopAsync()
    {
        if (_connected && _connection is { } c)
        {
            using var budget = new CancellationTokenSource(StopBudget, _time);
            var offline = c.PublishAndWaitAsync(_settings.Topics.Availability, MqttPayloads.Offline, retain: true, budget.Token);
            // Events already handed over get their acknowledgements in, while the budget lasts.
            while (!_events.Idle && !budget.IsCancellationRequested)
            {
                try
                {
                    await _inputs.Reader.WaitToReadAsync(budget.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                while (_inputs.Reader.TryRead(out var input))
                {
                    if (input is DeliveredInput d && d.Generation == _generation)
                        Guard("acknowledging an event", () => _events.Delivered(d.Seq));
                }
            }
            await offline.ConfigureAwait(false);
        }
        Housekeeping();
        await DropAsync().ConfigureAwait(false);
    }

    private void Apply(StatusChange change)
    {
        _latest = change.Current;
        // The first picture of a process (restored from status.json, or all unknown) is not a
        // verdict of its own: no events for it, and the status says stale until one comes.
        bool startup = ReferenceEquals(change.Previous, StatusSnapshot.Empty);
        _fresh |= !startup;
        if (!startup)
        {
            foreach (var t in change.Transitions)
            {
                if (t.From == Status.Unknown && t.To == Status.Unknown)
                    continue;
                _spool.Append(_settings.Topics.Events, seq => MqttPayloads.Event(_spool.EpochText, seq, t));
            }
            ReportSpoolWrites();
        }
        _retained.Set(_settings.Topics.Status, StatusPayload(change.Current));
        var configured = _targets.Select(t => t.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in change.ChangedResults.Select(r => r.Target.Key).Distinct())
        {
            if (configured.Contains(key))
                SetTarget(change.Current, key);
        }
    }

    private void SetTarget(StatusSnapshot s, string key)
    {
        var results = s.Results.Where(r => r.Target.Key == key).ToList();
        if (results.Count > 0)
            _retained.Set(_settings.Topics.Target(results[0].Target.Profile, results[0].Target.Id), MqttPayloads.Target(results));
    }

    private async Task ReconfigureAsync(ReconfigureInput r)
    {
        var old = _settings;
        _settings = r.Settings;
        _targets = r.Targets;
        if (old.Topics.Availability != r.Settings.Topics.Availability)
            _retained.Clear(old.Topics.Availability);
        Announce();
        if (_latest is not null)
        {
            _retained.Set(_settings.Topics.Status, StatusPayload(_latest));
            foreach (var key in _latest.Results.Select(x => x.Target.Key).Distinct().Where(k => r.Targets.Any(t => t.Key == k)))
                SetTarget(_latest, key);
        }
        if (old.SameConnection(r.Settings))
        {
            _log.Information("MQTT settings reloaded: publishing under {Prefix}", _settings.Topics.Prefix);
            return;
        }
        // The old topics are cleared over the old connection before it closes (cleanly: no will).
        if (_connected)
        {
            using var budget = new CancellationTokenSource(TimeSpan.FromSeconds(2), _time);
            await Task.WhenAny(Task.WhenAll(_retained.Publish(_connection!, _inputs.Writer)), Task.Delay(Timeout.Infinite, budget.Token)).ConfigureAwait(false);
        }
        _log.Information("MQTT settings reloaded: reconnecting to {Host}:{Port} as {ClientId} under {Prefix}",
            _settings.Host, _settings.Port, _settings.ClientId, _settings.Topics.Prefix);
        await DropAsync().ConfigureAwait(false);
        _attempts = 0;
        _nextAttempt = _time.GetUtcNow();
    }

    /// <summary>
    /// The retained topics the configuration wants: Home Assistant discovery of the configured
    /// targets, and every other kept topic that is no longer wanted (a removed target, an old
    /// prefix, discovery turned off) is cleared.
    /// </summary>
    private void Announce()
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal) { _settings.Topics.Status };
        foreach (var t in _targets)
            wanted.Add(_settings.Topics.Target(t.Profile, t.Id));
        if (_settings.HomeAssistant)
        {
            foreach (var (topic, payload) in MqttPayloads.DiscoveryAll(_settings.Topics, _settings.Site, _settings.Node, AppInfo.Version, _targets))
            {
                wanted.Add(topic);
                _retained.Set(topic, payload);
            }
        }
        _retained.KeepOnly(wanted);
    }

    private byte[] StatusPayload(StatusSnapshot s) =>
        MqttPayloads.Status(s, !_fresh, _settings.Site, _settings.Node, AppInfo.Version, _time.GetUtcNow(), _time.GetUtcNow() - _started,
            _spool.EpochText, _spool.Count, _spool.Dropped);

    private static DateTimeOffset ProcessStart(TimeProvider time)
    {
        try
        {
            using var self = Process.GetCurrentProcess();
            return new DateTimeOffset(self.StartTime.ToUniversalTime(), TimeSpan.Zero);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or System.ComponentModel.Win32Exception)
        {
            return time.GetUtcNow();
        }
    }
}

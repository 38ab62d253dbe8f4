using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using EdgeMonitor.Configuration;
using EdgeMonitor.Monitoring;

namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>
/// Reports the status stream over MQTT (README "## MQTT"). <see cref="OnStatus"/> only enqueues;
/// one task of its own spools, publishes and handles library signals and commands, so no state
/// is shared between threads. Events go through the crash-safe <see cref="Spool"/> and leave it
/// only on the broker's PUBACK; status and target payloads are retained and republished on every
/// connect. Reconnecting is this class's: a failed or lost connection's client is disposed and a
/// new one started after a jittered exponential backoff (1 s doubling to mqtt.reconnectMaxSeconds),
/// and every unacknowledged spooled event is published again, in order.
/// </summary>
public sealed class MqttReporter : IStatusSink, IAsyncDisposable
{
    /// <summary>Events handed to the library and not yet acknowledged, at most.</summary>
    private const int Window = 64;
    private static int _libraryMissingLogged;

    private readonly Channel<object> _work = Channel.CreateUnbounded<object>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Channel<MqttSignal> _signals = Channel.CreateUnbounded<MqttSignal>(new UnboundedChannelOptions { SingleReader = true });
    private readonly MqttClientOptions _options;
    private readonly MqttTopics _topics;
    private readonly bool _homeAssistant;
    private readonly string _site, _node, _version;
    private readonly Serilog.ILogger _log;
    private readonly IMonitorControl _control;
    private readonly TimeProvider _time;
    private readonly DateTimeOffset _started;
    private readonly Spool _spool;
    private readonly RetainedStore _retained;
    private readonly Task _loop;
    private readonly TimeSpan _reconnectMax;
    private MosquittoClient? _client;

    // Owned by the loop task only.
    private readonly Dictionary<int, long> _inFlight = []; // mid -> event seq
    private readonly SortedSet<long> _deliveredAhead = [];
    private long _sentUpTo;   // highest event seq handed to the library
    private bool _connected;
    private string? _lastFailure;
    private int _attempts;
    private DateTimeOffset _nextAttempt;
    private DateTimeOffset _connectBy;
    private StatusSnapshot? _latest;
    private string _announced = "";
    private int _offlineMid = -1;
    private bool _retainedDirty;
    private DateTimeOffset _nextSave;

    private MqttReporter(MqttClientOptions options, MqttTopics topics, bool homeAssistant, string site, string node,
        Serilog.ILogger log, IMonitorControl control, TimeProvider time, Spool spool, RetainedStore retained, TimeSpan reconnectMax)
    {
        _reconnectMax = reconnectMax;
        _options = options;
        _topics = topics;
        _homeAssistant = homeAssistant;
        _site = site;
        _node = node;
        _version = Cli.Verbs.Version;
        _log = log;
        _control = control;
        _time = time;
        _started = ProcessStart(time);
        _spool = spool;
        _retained = retained;
        _sentUpTo = spool.LastAcknowledged;
        _nextAttempt = time.GetUtcNow();
        _loop = Task.Run(RunAsync);
    }

    public string TopicPrefix => _topics.Prefix;

    /// <summary>
    /// The reporter for `run`, or null (with one log line saying why) when MQTT is off, the
    /// settings cannot be used (e.g. a group- or world-readable credentials file) or libmosquitto is missing.
    /// </summary>
    public static MqttReporter? TryCreate(MqttConfig config, string site, string node, string stateDirectory,
        Serilog.ILogger log, IMonitorControl control, TimeProvider time)
    {
        if (!config.Enabled)
        {
            log.Information("MQTT off (mqtt.enabled is false)");
            return null;
        }
        try
        {
            MosquittoClient.EnsureLibrary();
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            if (Interlocked.Exchange(ref _libraryMissingLogged, 1) == 0)
                log.Error("MQTT off: libmosquitto.so.1 cannot be loaded (install libmosquitto1, or libmosquitto-ssl on OpenWrt): {Error}", e.Message);
            return null;
        }
        Spool? spool = null;
        try
        {
            var options = Options(config, site, node);
            string prefix = string.IsNullOrWhiteSpace(config.TopicPrefix) ? MqttTopics.DefaultPrefix(site, node) : config.TopicPrefix.TrimEnd('/');
            var topics = new MqttTopics(prefix, config.DiscoveryPrefix.TrimEnd('/'));
            options = options with { WillTopic = topics.Availability, WillPayload = MqttPayloads.Offline };
            spool = new Spool(stateDirectory, config.SpoolMaxEvents, config.SpoolMaxBytes);
            if (spool.Recovery is { } recovery)
                log.Warning("MQTT spool: {Recovery}", recovery);
            var reporter = new MqttReporter(options, topics, config.HomeAssistant, site, node, log, control, time, spool,
                new RetainedStore(stateDirectory), TimeSpan.FromSeconds(config.ReconnectMaxSeconds));
            log.Information("MQTT reporting to {Host}:{Port} as {ClientId} under {Prefix} ({Pending} spooled events)",
                options.Host, options.Port, options.ClientId, prefix, spool.Count);
            return reporter;
        }
        catch (Exception e) when (e is MqttSettingsException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            spool?.Dispose();
            log.Error("MQTT off: {Error}", e.Message);
            return null;
        }
    }

    /// <summary>Library options from the config; throws <see cref="MqttSettingsException"/> for unusable settings.</summary>
    internal static MqttClientOptions Options(MqttConfig c, string site, string node)
    {
        string? user = null, password = null;
        if (c.CredentialsFile is { } file)
            (user, password) = MqttCredentials.Load(file);
        MqttTls? tls = c.Tls is { } t ? new MqttTls(t.CaFile, t.CertFile, t.KeyFile, t.Verify) : null;
        string clientId = string.IsNullOrWhiteSpace(c.ClientId) ? $"edgemonitor-{site}-{node}" : c.ClientId;
        return new MqttClientOptions(c.Host, c.Port, clientId, c.KeepAliveSeconds,
            c.Protocol == "5" ? Mosquitto.ProtocolV5 : Mosquitto.ProtocolV311, user, password, tls, "", []);
    }

    /// <summary>Never blocks, never throws: the change is queued for the reporter's task.</summary>
    public void OnStatus(StatusChange change)
    {
        try
        {
            _work.Writer.TryWrite(change);
        }
        catch
        {
        }
    }

    /// <summary>Clean shutdown: availability offline, a short wait for acknowledgements, then disconnect, loop_stop(false), destroy.</summary>
    public async ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.Error("MQTT reporter failed: {Error}", e.Message);
        }
        DropClient();
        _spool.Dispose();
    }

    public Task StopAsync() => DisposeAsync().AsTask();

    private async Task RunAsync()
    {
        var work = _work.Reader;
        var signals = _signals.Reader;
        bool stopping = false;
        DateTimeOffset stopBy = default;
        while (true)
        {
            while (signals.TryRead(out var s))
                Handle(s);
            var changed = new HashSet<string>(StringComparer.Ordinal);
            while (!stopping && work.TryRead(out var w))
                Guard("spooling a status change", () => Handle((StatusChange)w, changed));
            // One fsync for the batch, then publish: events first, then retained payloads.
            Guard("syncing the spool", _spool.Commit);
            if (!stopping)
                Pump();
            if (changed.Count > 0)
            {
                if (_connected)
                {
                    AnnounceIfChanged();
                    foreach (string topic in changed)
                        Publish(topic, _retained.All[topic], retain: true, out _);
                }
                _retainedDirty = true;
            }
            var now = _time.GetUtcNow();
            // Housekeeping off the latency path, at most once a second: it only costs duplicates
            // (ack) or a one-second-old status (retained) if the process dies in between.
            if (now >= _nextSave)
                Guard("saving the spool position", () => Housekeeping(now));
            if (!stopping && work.Completion.IsCompleted)
            {
                stopping = true;
                stopBy = now + TimeSpan.FromSeconds(2);
                if (_connected && Publish(_topics.Availability, MqttPayloads.Offline, retain: true, out int mid))
                    _offlineMid = mid;
            }
            if (stopping)
            {
                if (now >= stopBy || !_connected || (_offlineMid < 0 && _inFlight.Count == 0))
                {
                    Guard("saving the spool position", () => Housekeeping(now));
                    return;
                }
            }
            else
            {
                if (_client is null && now >= _nextAttempt)
                    Connect();
                else if (_client is not null && !_connected && now >= _connectBy)
                    Lost("no answer from the broker in time");
                Pump();
            }

            // Sleep until a signal, a status change, the next connection attempt or its deadline.
            TimeSpan wait = stopping ? TimeSpan.FromMilliseconds(100)
                : _client is null ? _nextAttempt - now
                : !_connected ? _connectBy - now
                : Timeout.InfiniteTimeSpan;
            if (wait == Timeout.InfiniteTimeSpan || wait > TimeSpan.FromSeconds(1))
                wait = TimeSpan.FromSeconds(1); // the once-a-second housekeeping
            if (wait != Timeout.InfiniteTimeSpan && wait < TimeSpan.FromMilliseconds(10))
                wait = TimeSpan.FromMilliseconds(10);
            using var cts = new CancellationTokenSource(wait, _time);
            var a = signals.WaitToReadAsync(cts.Token).AsTask();
            var b = stopping ? Task.Delay(Timeout.Infinite, cts.Token) : work.WaitToReadAsync(cts.Token).AsTask();
            try
            {
                await Task.WhenAny(a, b).ConfigureAwait(false);
            }
            finally
            {
                cts.Cancel();
            }
        }
    }

    /// <summary>A failing disk (full, read-only) costs a log line and what could not be written, never the reporter.</summary>
    private void Guard(string what, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e)
        {
            _log.Error("MQTT reporter: {What} failed: {Error}", what, e.Message);
        }
    }

    private void Housekeeping(DateTimeOffset now)
    {
        _nextSave = now + TimeSpan.FromSeconds(1);
        if (_retainedDirty)
            _retained.Save();
        _retainedDirty = false;
        _spool.SaveAck();
    }

    /// <summary>One connection attempt with a fresh client; on failure the next is scheduled with backoff.</summary>
    private void Connect()
    {
        try
        {
            _client = MosquittoClient.Start(_options, _signals.Writer, out int _, out string error);
            if (_client is null)
            {
                Lost(error);
                return;
            }
            _connectBy = _time.GetUtcNow() + TimeSpan.FromSeconds(Math.Max(10, _options.KeepAliveSeconds));
        }
        catch (InvalidOperationException e)
        {
            Lost(e.Message);
        }
    }

    /// <summary>The connection failed or went away: drop the client, log once per distinct reason, back off.</summary>
    private void Lost(string reason)
    {
        bool was = _connected;
        _connected = false;
        DropClient();
        if (was || reason != _lastFailure)
        {
            _log.Warning("MQTT broker {Host}:{Port} unreachable: {Reason}; retrying with backoff, {Spooled} events spooled",
                _options.Host, _options.Port, reason, _spool.Count);
        }
        _lastFailure = reason;
        _attempts = was ? 1 : _attempts + 1;
        double max = Math.Max(1, _reconnectMax.TotalSeconds);
        double delay = Math.Min(max, Math.Pow(2, Math.Min(_attempts - 1, 20)));
        // Jitter (50..100 %) so a thousand boxes do not return to a restarted broker at once.
        delay *= 0.5 + Random.Shared.NextDouble() / 2;
        _nextAttempt = _time.GetUtcNow() + TimeSpan.FromSeconds(delay);
    }

    /// <summary>Disconnect, loop_stop(false), destroy. Whatever the library still held is published again from the spool.</summary>
    private void DropClient()
    {
        _client?.Dispose();
        _client = null;
        _inFlight.Clear();
        _deliveredAhead.Clear();
        _sentUpTo = _spool.LastAcknowledged;
        _offlineMid = -1;
    }

    private void Handle(StatusChange change, HashSet<string> changedTopics)
    {
        _latest = change.Current;
        foreach (var t in change.Transitions)
            _spool.Append(_topics.Events, seq => MqttPayloads.Event(seq, t));
        var status = StatusPayload(change.Current);
        _retained.Set(_topics.Status, status);
        changedTopics.Add(_topics.Status);
        foreach (var key in change.ChangedResults.Select(r => r.Target.Key).Distinct())
        {
            var results = change.Current.Results.Where(r => r.Target.Key == key).ToList();
            if (results.Count == 0)
                continue;
            string topic = _topics.Target(results[0].Target.Profile, results[0].Target.Id);
            _retained.Set(topic, MqttPayloads.Target(results));
            changedTopics.Add(topic);
        }
    }

    private byte[] StatusPayload(StatusSnapshot s) =>
        MqttPayloads.Status(s, _site, _node, _version, _time.GetUtcNow(), _time.GetUtcNow() - _started, _spool.Count, _spool.Dropped);

    private void Handle(MqttSignal signal)
    {
        if (_client is null || signal.Generation != _client.Generation)
            return; // from a client already replaced
        switch (signal)
        {
            case MqttConnected { Code: 0 }:
                _connected = true;
                _attempts = 0;
                _lastFailure = null;
                _log.Information("MQTT connected to {Host}:{Port}; {Spooled} events to deliver", _options.Host, _options.Port, _spool.Count);
                OnConnected();
                break;
            case MqttConnected c:
                // Refused (bad credentials, not authorised): the library disconnects next.
                Lost($"connection refused: {Mosquitto.ConnackText(c.Code)}");
                break;
            case MqttDisconnected d:
                Lost(d.Code == 0 ? "disconnected" : $"connection lost: {Mosquitto.ErrorText(d.Code)}");
                break;
            case MqttPublished p:
                if (p.Mid == _offlineMid)
                    _offlineMid = -1;
                if (_inFlight.Remove(p.Mid, out long seq))
                    Delivered(seq);
                break;
            case MqttMessage m:
                Command(m);
                break;
        }
    }

    private void OnConnected()
    {
        Publish(_topics.Availability, MqttPayloads.Online, retain: true, out _);
        // Fresh uptime and spool counters for the status the broker keeps.
        if (_latest is not null)
            _retained.Set(_topics.Status, StatusPayload(_latest));
        _announced = "";
        AnnounceIfChanged();
        foreach (var (topic, payload) in _retained.All)
            Publish(topic, payload, retain: true, out _);
        int rc = _client!.Subscribe(_topics.Command, 1);
        if (rc != Mosquitto.Success)
            _log.Warning("MQTT subscribe {Topic}: {Error}", _topics.Command, Mosquitto.ErrorText(rc));
    }

    /// <summary>Discovery configs once per connection, and again when the profiles or groups change.</summary>
    private void AnnounceIfChanged()
    {
        if (!_homeAssistant || _latest is null)
            return;
        string key = string.Join('\n', _latest.Profiles.Select(p => p.Name).Concat(_latest.Groups.Select(g => g.Key)));
        if (key == _announced)
            return;
        _announced = key;
        foreach (var (topic, payload) in MqttPayloads.DiscoveryAll(_topics, _site, _node, _version, _latest))
            Publish(topic, payload, retain: true, out _);
    }

    /// <summary>Hands spooled events to the library in order, at most <see cref="Window"/> unacknowledged.</summary>
    private void Pump()
    {
        if (!_connected)
            return;
        foreach (var r in _spool.After(_sentUpTo))
        {
            if (_inFlight.Count >= Window)
                break;
            if (!Publish(r.Topic, r.Payload, retain: false, out int mid))
                break;
            _inFlight[mid] = r.Seq;
            _sentUpTo = r.Seq;
        }
    }

    /// <summary>Acknowledges the spool up to the highest seq with every earlier one delivered.</summary>
    private void Delivered(long seq)
    {
        _deliveredAhead.Add(seq);
        long upTo = -1;
        foreach (var r in _spool.Pending)
        {
            if (!_deliveredAhead.Remove(r.Seq))
                break;
            upTo = r.Seq;
        }
        _deliveredAhead.RemoveWhere(s => s <= Math.Max(upTo, _spool.LastAcknowledged));
        if (upTo >= 0)
            _spool.Acknowledge(upTo);
    }

    private bool Publish(string topic, byte[] payload, bool retain, out int mid)
    {
        int rc = _client!.Publish(topic, payload, 1, retain, out mid);
        if (rc == Mosquitto.Success)
            return true;
        if (rc != Mosquitto.ErrNoConn)
            _log.Warning("MQTT publish {Topic}: {Error}", topic, Mosquitto.ErrorText(rc));
        return false;
    }

    /// <summary>`recheck` and `identify`; anything else (or retained, or over 256 bytes) is logged and ignored.</summary>
    private void Command(MqttMessage m)
    {
        string? word = m.Payload is { } p && !m.Retained ? Encoding.UTF8.GetString(p).Trim() : null;
        try
        {
            switch (word)
            {
                case "recheck":
                    _log.Information("MQTT command: recheck");
                    _control.RecheckNow("mqtt command");
                    break;
                case "identify":
                    _log.Information("MQTT command: identify");
                    _control.Identify(TimeSpan.FromSeconds(30));
                    break;
                default:
                    _log.Warning("MQTT command ignored on {Topic}: {Payload}{Retained} (known: recheck, identify; at most {Max} bytes)",
                        m.Topic, MosquittoClient.Describe(m.Payload, m.Length), m.Retained ? " (retained)" : "", MosquittoClient.MaxPayload);
                    break;
            }
        }
        catch (Exception e)
        {
            _log.Error("MQTT command {Command} failed: {Error}", word, e.Message);
        }
    }

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

/// <summary>MQTT settings that cannot be used as they are (refused before connecting).</summary>
public sealed class MqttSettingsException(string message) : Exception(message);

/// <summary>The credentials file: first line the user name, second the password. Must not be readable by group or others.</summary>
public static class MqttCredentials
{
    public static (string User, string Password) Load(string path)
    {
        if (!File.Exists(path))
            throw new MqttSettingsException($"credentials file '{path}' does not exist");
        var mode = File.GetUnixFileMode(path);
        const UnixFileMode others = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        if ((mode & others) != 0)
        {
            throw new MqttSettingsException(
                $"credentials file '{path}' is group- or world-readable (mode {Convert.ToString((int)mode, 8).PadLeft(4, '0')}); refusing it: chmod 600 it");
        }
        string[] lines = File.ReadAllLines(path);
        if (lines.Length < 2 || lines[0].Trim().Length == 0)
            throw new MqttSettingsException($"credentials file '{path}' must hold the user name on line 1 and the password on line 2");
        return (lines[0].Trim(), lines[1].TrimEnd('\r'));
    }
}

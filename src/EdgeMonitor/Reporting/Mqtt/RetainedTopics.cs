using System.Threading.Channels;

namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>
/// The retained topics this box owns on the broker: the latest payload of each (kept in the
/// <see cref="RetainedStore"/> across restarts), which ones the broker has not had yet, and the
/// ones to delete. A deleted topic is an empty payload in the store until the broker
/// acknowledged the empty retained message, so the deletion survives an outage and a restart.
/// Used by the reporter's task only.
/// </summary>
internal sealed class RetainedTopics(RetainedStore store, Serilog.ILogger log)
{
    private readonly HashSet<string> _unpublished = new(StringComparer.Ordinal);
    private bool _dirty;

    public void Set(string topic, byte[] payload)
    {
        if (store.All.TryGetValue(topic, out var kept) && kept.AsSpan().SequenceEqual(payload))
            return;
        store.Set(topic, payload);
        _unpublished.Add(topic);
        _dirty = true;
    }

    /// <summary>Deletes every kept topic outside <paramref name="wanted"/>.</summary>
    public void KeepOnly(IReadOnlySet<string> wanted)
    {
        foreach (string topic in store.All.Keys.Where(k => !wanted.Contains(k)).ToList())
            Clear(topic);
    }

    public void Clear(string topic)
    {
        if (store.All.TryGetValue(topic, out var kept) && kept.Length == 0)
            return;
        store.Set(topic, []);
        _unpublished.Add(topic);
        _dirty = true;
        log.Information("MQTT clearing retained {Topic} (no longer configured)", topic);
    }

    /// <summary>A new connection: the broker gets every kept topic again.</summary>
    public void AllUnpublished() => _unpublished.UnionWith(store.All.Keys);

    /// <summary>The broker acknowledged a deletion (whichever connection carried it).</summary>
    public void Cleared(string topic)
    {
        if (store.All.TryGetValue(topic, out var kept) && kept.Length == 0)
        {
            store.Remove(topic);
            _dirty = true;
        }
    }

    /// <summary>Publishes what the broker has not had yet; a deletion's acknowledgement comes back as <see cref="ClearedInput"/>.</summary>
    public List<Task<bool>> Publish(MqttConnection connection, ChannelWriter<MqttInput> inputs)
    {
        var sent = new List<Task<bool>>(_unpublished.Count);
        foreach (string topic in _unpublished)
        {
            if (!store.All.TryGetValue(topic, out var payload))
                continue;
            var publish = connection.Publish(topic, payload, retain: true);
            if (payload.Length == 0)
            {
                long generation = connection.Generation;
                _ = publish.ContinueWith(t =>
                {
                    if (t.Result)
                        inputs.TryWrite(new ClearedInput(generation, topic));
                }, CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            }
            sent.Add(publish);
        }
        _unpublished.Clear();
        return sent;
    }

    /// <summary>Writes the store when it changed (at most once a second, off the latency path).</summary>
    public void Save()
    {
        if (_dirty)
            store.Save();
        _dirty = false;
    }
}


namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>
/// Hands spooled events to a connection in seq order, at most <see cref="Window"/> unacknowledged,
/// and acknowledges the spool up to the highest seq with every earlier one delivered. A new
/// connection starts again after the last acknowledged event: the broker may see an event twice
/// (QoS 1 is at least once), never out of order. Used by the reporter's task only.
/// </summary>
internal sealed class EventPump(Spool spool)
{
    public const int Window = 64;

    private readonly SortedSet<long> _deliveredAhead = [];
    private long _sentUpTo = spool.LastAcknowledged;
    private int _inFlight;

    public bool Idle => _inFlight == 0;

    /// <summary>A connection went away: whatever it held is sent again on the next one.</summary>
    public void Reset()
    {
        _inFlight = 0;
        _deliveredAhead.Clear();
        _sentUpTo = spool.LastAcknowledged;
    }

    public void Pump(MqttConnection connection)
    {
        foreach (var r in spool.After(_sentUpTo))
        {
            if (_inFlight >= Window)
                break;
            _ = connection.Publish(r.Topic, r.Payload, retain: false, r.Seq);
            _inFlight++;
            _sentUpTo = r.Seq;
        }
    }

    public void Delivered(long seq)
    {
        _inFlight = Math.Max(0, _inFlight - 1);
        _deliveredAhead.Add(seq);
        long upTo = -1;
        foreach (var r in spool.Pending)
        {
            if (!_deliveredAhead.Remove(r.Seq))
                break;
            upTo = r.Seq;
        }
        _deliveredAhead.RemoveWhere(s => s <= Math.Max(upTo, spool.LastAcknowledged));
        if (upTo >= 0)
            spool.Acknowledge(upTo);
    }
}

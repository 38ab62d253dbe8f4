using System.Buffers.Binary;
using System.Text;

namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>One spooled message: a sequence number (monotonic across restarts), its topic and payload.</summary>
internal sealed record SpoolRecord(long Seq, string Topic, byte[] Payload)
{
    public int Size => Payload.Length + Topic.Length + SpoolFormat.Overhead;
}

/// <summary>
/// Record codec shared by the spool and the retained store:
/// [u32 body length][u32 CRC-32 of body][body = u64 seq, u16 topic length, topic UTF-8, payload], little endian.
/// A reader stops at the first torn or corrupt record: everything before it is intact.
/// </summary>
internal static class SpoolFormat
{
    public const int Overhead = 8 + 8 + 2;
    private const int MaxBody = 1 << 24;

    public static byte[] Encode(SpoolRecord r)
    {
        byte[] topic = Encoding.UTF8.GetBytes(r.Topic);
        int body = 8 + 2 + topic.Length + r.Payload.Length;
        var buf = new byte[8 + body];
        var b = buf.AsSpan(8);
        BinaryPrimitives.WriteInt64LittleEndian(b, r.Seq);
        BinaryPrimitives.WriteUInt16LittleEndian(b[8..], (ushort)topic.Length);
        topic.CopyTo(b[10..]);
        r.Payload.CopyTo(b[(10 + topic.Length)..]);
        BinaryPrimitives.WriteInt32LittleEndian(buf, body);
        BinaryPrimitives.WriteUInt32LittleEndian(buf.AsSpan(4), Crc32.Compute(b));
        return buf;
    }

    /// <summary>Decodes records until the data ends or a record is torn or corrupt; <paramref name="good"/> is the intact prefix length.</summary>
    public static List<SpoolRecord> Decode(ReadOnlySpan<byte> data, out int good, out bool corrupt)
    {
        var list = new List<SpoolRecord>();
        good = 0;
        corrupt = false;
        while (data.Length - good >= 8)
        {
            var rest = data[good..];
            int body = BinaryPrimitives.ReadInt32LittleEndian(rest);
            if (body < 10 || body > MaxBody)
            {
                corrupt = true;
                break;
            }
            if (rest.Length < 8 + body)
                break; // torn tail: the write never finished
            var b = rest.Slice(8, body);
            if (Crc32.Compute(b) != BinaryPrimitives.ReadUInt32LittleEndian(rest[4..]))
            {
                corrupt = true;
                break;
            }
            int topicLen = BinaryPrimitives.ReadUInt16LittleEndian(b[8..]);
            if (10 + topicLen > body)
            {
                corrupt = true;
                break;
            }
            list.Add(new SpoolRecord(BinaryPrimitives.ReadInt64LittleEndian(b),
                Encoding.UTF8.GetString(b.Slice(10, topicLen)), b[(10 + topicLen)..].ToArray()));
            good += 8 + body;
        }
        return list;
    }

    /// <summary>Replaces a whole file atomically: temp file, fsync (when durable), rename over the old one.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> content, bool durable = true)
    {
        string tmp = path + ".tmp";
        using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            f.Write(content);
            f.Flush(flushToDisk: durable);
        }
        File.Move(tmp, path, overwrite: true);
    }
}

/// <summary>
/// The bounded, crash-safe queue of events waiting for the broker's PUBACK, in the state
/// directory. mqtt-spool.log is append-only: appends are made durable by <see cref="Commit"/>
/// (one fsync per batch) before they are published. mqtt-spool.ack holds the last acknowledged
/// sequence number and the dropped count, replaced atomically by <see cref="SaveAck"/> without
/// fsync: losing it in a crash only means publishing some events again (QoS 1 is at least once
/// anyway), never losing one. The log is rewritten without acknowledged records once they make
/// up most of it. Pending records are also kept in memory (bounded by the same limits).
/// </summary>
internal sealed class Spool : IDisposable
{
    public const string LogName = "mqtt-spool.log";
    public const string AckName = "mqtt-spool.ack";
    private const long CompactAbove = 64 * 1024;

    private readonly string _logPath;
    private readonly string _ackPath;
    private readonly int _maxEvents;
    private readonly long _maxBytes;
    // Pending records in seq order: _records[_head..] (a list with a moving head, so a
    // publisher can start after a given seq by binary search instead of walking a backlog).
    private readonly List<SpoolRecord> _records = [];
    private int _head;
    private FileStream _log;
    private long _acked;
    private long _nextSeq;
    private long _bytes;
    private bool _ackDirty;
    private bool _uncommitted;

    /// <summary>Events dropped (oldest first) because a bound was hit, or lost to a corrupt spool; kept across restarts.</summary>
    public long Dropped { get; private set; }

    /// <summary>What opening found wrong (a torn or corrupt tail), for one log line; null when clean.</summary>
    public string? Recovery { get; }

    public int Count => _records.Count - _head;
    public long Bytes => _bytes;
    public long LastAcknowledged => _acked;
    public IEnumerable<SpoolRecord> Pending => After(long.MinValue);

    /// <summary>Pending records with a sequence number above <paramref name="seq"/>, in order.</summary>
    public IEnumerable<SpoolRecord> After(long seq)
    {
        int lo = _head, hi = _records.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_records[mid].Seq <= seq)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (int i = lo; i < _records.Count; i++)
            yield return _records[i];
    }

    private SpoolRecord? First => _head < _records.Count ? _records[_head] : null;

    public Spool(string directory, int maxEvents, long maxBytes)
    {
        Directory.CreateDirectory(directory);
        _logPath = Path.Combine(directory, LogName);
        _ackPath = Path.Combine(directory, AckName);
        _maxEvents = Math.Max(1, maxEvents);
        _maxBytes = Math.Max(1024, maxBytes);
        ReadAck();
        byte[] data = File.Exists(_logPath) ? File.ReadAllBytes(_logPath) : [];
        var records = SpoolFormat.Decode(data, out int good, out bool corrupt);
        long last = _acked;
        foreach (var r in records)
        {
            if (r.Seq <= last)
                continue; // acknowledged (or out of order: never written by us)
            last = r.Seq;
            _records.Add(r);
            _bytes += r.Size;
        }
        _nextSeq = last + 1;
        if (good < data.Length)
        {
            Recovery = corrupt
                ? $"discarded {data.Length - good} bytes from a corrupt record at offset {good} of {_logPath}"
                : $"discarded a torn record ({data.Length - good} bytes) at the end of {_logPath}";
            if (corrupt)
                Dropped++;
        }
        // Unbuffered: a failed write must fail at once, with nothing left in a buffer to retry later.
        _log = new FileStream(_logPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        if (good < data.Length)
        {
            _log.SetLength(good);
            _log.Flush(flushToDisk: true);
            if (corrupt)
                WriteAck(durable: true); // keep the count (at least one event was lost)
        }
        _log.Seek(0, SeekOrigin.End);
        Trim();
    }

    /// <summary>Appends a record (durable after <see cref="Commit"/>) and returns it; drops the oldest when a bound is hit.</summary>
    public SpoolRecord Append(string topic, Func<long, byte[]> payloadForSeq)
    {
        var r = new SpoolRecord(_nextSeq, topic, payloadForSeq(_nextSeq));
        long end = _log.Position;
        try
        {
            _log.Write(SpoolFormat.Encode(r));
        }
        catch (IOException)
        {
            // Disk full or failing: cut the partial record off, or it would end the log at the next start.
            Dropped++;
            try
            {
                _log.SetLength(end);
                _log.Position = end;
            }
            catch (IOException)
            {
            }
            throw;
        }
        _nextSeq++;
        _uncommitted = true;
        _records.Add(r);
        _bytes += r.Size;
        Trim();
        return r;
    }

    /// <summary>fsync of every append so far: call before publishing them.</summary>
    public void Commit()
    {
        if (!_uncommitted)
            return;
        _log.Flush(flushToDisk: true);
        _uncommitted = false;
    }

    /// <summary>Everything up to and including <paramref name="seq"/> reached the broker (saved by <see cref="SaveAck"/>).</summary>
    public void Acknowledge(long seq)
    {
        bool any = false;
        while (First is { } head && head.Seq <= seq)
        {
            Remove();
            any = true;
        }
        if (seq > _acked)
        {
            _acked = seq;
            any = true;
        }
        if (any)
            _ackDirty = true;
    }

    /// <summary>Writes the acknowledged position if it moved, and compacts the log when it is mostly acknowledged.</summary>
    public void SaveAck()
    {
        if (!_ackDirty)
            return;
        _ackDirty = false;
        WriteAck(durable: false);
        MaybeCompact();
    }

    private void Trim()
    {
        bool dropped = false;
        while (Count > 1 && (Count > _maxEvents || _bytes > _maxBytes))
        {
            _acked = Math.Max(_acked, First!.Seq);
            Remove();
            Dropped++;
            dropped = true;
        }
        if (dropped)
        {
            // Durable: the dropped count is reported and must not go back after a crash.
            WriteAck(durable: true);
            MaybeCompact();
        }
    }

    private void Remove()
    {
        _bytes -= First!.Size;
        _records[_head++] = null!;
        if (_head > 1024 && _head > _records.Count / 2)
        {
            _records.RemoveRange(0, _head);
            _head = 0;
        }
    }

    private void MaybeCompact()
    {
        if (_log.Length < CompactAbove || _log.Length < 2 * _bytes)
            return;
        Commit();
        using var buffer = new MemoryStream();
        foreach (var r in Pending)
            buffer.Write(SpoolFormat.Encode(r));
        _log.Dispose();
        // The ack file stays valid: it names sequence numbers, not offsets.
        SpoolFormat.WriteAtomically(_logPath, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        _log = new FileStream(_logPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        _log.Seek(0, SeekOrigin.End);
    }

    private void ReadAck()
    {
        if (!File.Exists(_ackPath))
            return;
        byte[] a = File.ReadAllBytes(_ackPath);
        if (a.Length == 20 && Crc32.Compute(a.AsSpan(0, 16)) == BinaryPrimitives.ReadUInt32LittleEndian(a.AsSpan(16)))
        {
            _acked = BinaryPrimitives.ReadInt64LittleEndian(a);
            Dropped = BinaryPrimitives.ReadInt64LittleEndian(a.AsSpan(8));
        }
    }

    private void WriteAck(bool durable)
    {
        Span<byte> a = stackalloc byte[20];
        BinaryPrimitives.WriteInt64LittleEndian(a, _acked);
        BinaryPrimitives.WriteInt64LittleEndian(a[8..], Dropped);
        BinaryPrimitives.WriteUInt32LittleEndian(a[16..], Crc32.Compute(a[..16]));
        SpoolFormat.WriteAtomically(_ackPath, a, durable);
    }

    public void Dispose()
    {
        Commit();
        SaveAck();
        _log.Dispose();
    }
}

/// <summary>
/// The latest retained payload per topic (status, targets), kept across restarts in
/// mqtt-retained.bin (replaced atomically on change, without fsync: after a crash it is at worst
/// one change old, and the monitor's next evaluation replaces it) so a restarted daemon republishes them.
/// </summary>
internal sealed class RetainedStore
{
    public const string FileName = "mqtt-retained.bin";
    private readonly string _path;
    private readonly Dictionary<string, byte[]> _latest = new(StringComparer.Ordinal);

    public RetainedStore(string directory)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, FileName);
        if (File.Exists(_path))
        {
            foreach (var r in SpoolFormat.Decode(File.ReadAllBytes(_path), out _, out _))
                _latest[r.Topic] = r.Payload;
        }
    }

    public IReadOnlyDictionary<string, byte[]> All => _latest;

    public void Set(string topic, byte[] payload) => _latest[topic] = payload;

    public void Remove(string topic) => _latest.Remove(topic);

    public void Save()
    {
        using var buffer = new MemoryStream();
        long i = 0;
        foreach (var (topic, payload) in _latest)
            buffer.Write(SpoolFormat.Encode(new SpoolRecord(++i, topic, payload)));
        SpoolFormat.WriteAtomically(_path, buffer.GetBuffer().AsSpan(0, (int)buffer.Length), durable: false);
    }
}

/// <summary>CRC-32 (IEEE 802.3, reflected 0xEDB88320), as zlib computes it.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = Build();

    private static uint[] Build()
    {
        var t = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            uint c = i;
            for (int k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFFu;
        foreach (byte b in data)
            c = Table[(c ^ b) & 0xFF] ^ (c >> 8);
        return c ^ 0xFFFFFFFFu;
    }
}

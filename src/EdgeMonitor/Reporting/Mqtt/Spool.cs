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

    /// <summary>The length of an intact record starting at the front of <paramref name="data"/>, or 0.</summary>
    public static int IntactRecordAt(ReadOnlySpan<byte> data)
    {
        if (data.Length < 8)
            return 0;
        int body = BinaryPrimitives.ReadInt32LittleEndian(data);
        if (body < 10 || body > MaxBody || data.Length < 8 + body)
            return 0;
        var b = data.Slice(8, body);
        return Crc32.Compute(b) == BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) && 10 + BinaryPrimitives.ReadUInt16LittleEndian(b[8..]) <= body
            ? 8 + body
            : 0;
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
/// sequence number, the dropped count and the epoch, replaced atomically and durably by
/// <see cref="SaveAck"/> (at most once a second): the counter it carries must survive a
/// compaction that leaves the log empty. The log is rewritten without acknowledged records once
/// they make up most of it. Pending records are also kept in memory (bounded by the same limits).
/// <para>
/// Sequence numbers are unique per <see cref="Epoch"/>: a random id that changes whenever the
/// counter cannot be trusted to continue (no or unreadable ack file, i.e. a lost state
/// directory, or a corrupt log tail whose last numbers are unknown). Consumers key on
/// (epoch, seq). A seq given to an event that could not be written is never reused, so the
/// loss shows as a gap, and every lost event is counted in <see cref="Dropped"/>.
/// </para>
/// </summary>
internal sealed class Spool : IDisposable
{
    public const string LogName = "mqtt-spool.log";
    public const string AckName = "mqtt-spool.ack";
    private const long CompactAbove = 64 * 1024;
    private const int AckLength = 28, OldAckLength = 20;

    private readonly string _logPath;
    private readonly string _ackPath;
    private readonly int _maxEvents;
    private readonly long _maxBytes;
    // Pending records in seq order: _records[_head..] (a list with a moving head, so a
    // publisher can start after a given seq by binary search instead of walking a backlog).
    private readonly List<SpoolRecord> _records = [];
    private int _head;
    // Null when the state directory refused the spool at start (read-only, not a directory): see Unavailable.
    private FileStream? _log;
    private long _acked;
    private long _nextSeq;
    private long _bytes;
    private bool _ackDirty;
    private bool _uncommitted;

    /// <summary>Events dropped (oldest first) because a bound was hit, or lost to a corrupt spool; kept across restarts.</summary>
    public long Dropped { get; private set; }

    /// <summary>What opening found wrong (a torn or corrupt record, an unreadable ack file), for one log line; null when clean.</summary>
    public string? Recovery { get; private set; }

    /// <summary>The numbering's epoch: (epoch, seq) is unique for ever; a new epoch means the counter started again.</summary>
    public ulong Epoch { get; private set; }

    /// <summary><see cref="Epoch"/> as consumers see it: 16 hex digits.</summary>
    public string EpochText => Epoch.ToString("x16", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Why the last <see cref="Append"/> could not write its event (disk full, read-only), until one succeeds; null when fine.</summary>
    public string? WriteError { get; private set; }

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

    /// <summary>
    /// A spool that keeps nothing, for a state directory that cannot hold one (read-only, not a
    /// directory): the retained status still flows, and every event is dropped but never silently:
    /// it uses up its seq in a fresh epoch and is counted in <see cref="Dropped"/>.
    /// </summary>
    public static Spool Unavailable(string why) => new(why);

    private Spool(string why)
    {
        _logPath = _ackPath = "";
        _maxEvents = 1;
        _maxBytes = 1024;
        _nextSeq = 1;
        Epoch = NewEpoch();
        WriteError = why;
    }

    public Spool(string directory, int maxEvents, long maxBytes)
    {
        Directory.CreateDirectory(directory);
        _logPath = Path.Combine(directory, LogName);
        _ackPath = Path.Combine(directory, AckName);
        _maxEvents = Math.Max(1, maxEvents);
        _maxBytes = Math.Max(1024, maxBytes);
        bool counterKnown = ReadAck();
        byte[] data = ReadLog(out string? readError);
        var (records, lost, tailLost, damage) = Recover(data);
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
        Dropped += lost;
        var notes = new List<string>();
        if (Recovery is not null)
            notes.Add(Recovery);
        if (readError is not null)
            notes.Add(readError);
        if (damage is not null)
            notes.Add(damage);
        // A corrupt tail hides how far the counter went: the old numbers may have been published.
        if (!counterKnown || tailLost)
        {
            Epoch = NewEpoch();
            if (counterKnown)
                notes.Add($"new epoch {EpochText}: the last sequence numbers are unknown");
        }
        Recovery = notes.Count > 0 ? string.Join("; ", notes) : null;
        bool rewrite = damage is not null || readError is not null;
        if (rewrite)
        {
            // Only intact records stay; the ack file keeps the loss count and the epoch.
            using var buffer = new MemoryStream();
            foreach (var r in Pending)
                buffer.Write(SpoolFormat.Encode(r));
            SpoolFormat.WriteAtomically(_logPath, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        }
        // Unbuffered: a failed write must fail at once, with nothing left in a buffer to retry later.
        _log = new FileStream(_logPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        _log.Seek(0, SeekOrigin.End);
        if (rewrite || !counterKnown)
            TryWriteAck();
        Trim();
    }

    private static ulong NewEpoch()
    {
        Span<byte> b = stackalloc byte[8];
        System.Security.Cryptography.RandomNumberGenerator.Fill(b);
        return BinaryPrimitives.ReadUInt64LittleEndian(b) | 1; // never 0: 0 reads as "no epoch"
    }

    private byte[] ReadLog(out string? error)
    {
        error = null;
        if (!File.Exists(_logPath))
            return [];
        // The log never legitimately grows much past its bound before it is compacted.
        long cap = 2 * _maxBytes + CompactAbove + (1 << 20);
        try
        {
            return Configuration.BoundedFile.ReadAllBytes(_logPath, cap);
        }
        catch (IOException e)
        {
            error = $"{_logPath} could not be read and was started again: {e.Message}";
            Dropped++; // at least one event was in it
            return [];
        }
    }

    /// <summary>
    /// Every intact record, skipping over damage: after a corrupt record, the next place where an
    /// intact record starts is found and reading goes on, so one flipped byte costs one record.
    /// Lost records are counted from the gap in sequence numbers; at the end of the log, where no
    /// later number tells, at least one.
    /// </summary>
    private static (List<SpoolRecord> Records, long Lost, bool TailLost, string? Damage) Recover(byte[] data)
    {
        var all = new List<SpoolRecord>();
        long lost = 0;
        var damages = new List<string>();
        bool tailLost = false;
        int at = 0;
        while (at < data.Length)
        {
            var part = SpoolFormat.Decode(data.AsSpan(at), out int good, out bool corrupt);
            all.AddRange(part);
            at += good;
            if (at >= data.Length)
                break;
            int resume = at + 1;
            while (resume < data.Length && SpoolFormat.IntactRecordAt(data.AsSpan(resume)) == 0)
                resume++;
            if (resume >= data.Length)
            {
                if (corrupt)
                {
                    lost++;
                    tailLost = true;
                    damages.Add($"discarded {data.Length - at} bytes from a corrupt record at offset {at} (at the end: at least 1 event lost)");
                }
                else
                {
                    damages.Add($"discarded a torn record ({data.Length - at} bytes) at the end");
                }
                break;
            }
            long before = all.Count > 0 ? all[^1].Seq : 0;
            var next = SpoolFormat.Decode(data.AsSpan(resume, SpoolFormat.IntactRecordAt(data.AsSpan(resume))), out _, out _);
            long gap = before > 0 && next.Count > 0 && next[0].Seq > before ? next[0].Seq - before - 1 : 1;
            lost += Math.Max(1, gap);
            damages.Add($"skipped {resume - at} corrupt bytes at offset {at} ({Math.Max(1, gap)} event(s) lost)");
            at = resume;
        }
        return (all, lost, tailLost, damages.Count > 0 ? string.Join("; ", damages) : null);
    }

    /// <summary>
    /// Appends a record (durable after <see cref="Commit"/>) and returns it; drops the oldest when a
    /// bound is hit. When the disk refuses it (full, read-only) the event is lost but never silently:
    /// its sequence number is used up (consumers see the gap), <see cref="Dropped"/> counts it and
    /// <see cref="WriteError"/> says why; null is returned and nothing throws.
    /// </summary>
    public SpoolRecord? Append(string topic, Func<long, byte[]> payloadForSeq)
    {
        var r = new SpoolRecord(_nextSeq, topic, payloadForSeq(_nextSeq));
        _nextSeq++;
        if (_log is null)
        {
            Dropped++;
            return null;
        }
        long end = _log.Position;
        try
        {
            _log.Write(SpoolFormat.Encode(r));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Disk full or failing: cut the partial record off, or it would end the log at the next start.
            Dropped++;
            WriteError = e.Message;
            try
            {
                _log.SetLength(end);
                _log.Position = end;
            }
            catch (IOException)
            {
            }
            return null;
        }
        WriteError = null;
        _uncommitted = true;
        _records.Add(r);
        _bytes += r.Size;
        Trim();
        return r;
    }

    /// <summary>fsync of every append so far: call before publishing them.</summary>
    public void Commit()
    {
        if (!_uncommitted || _log is null)
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
        if (!_ackDirty || _log is null)
            return;
        WriteAck(); // a failure leaves it dirty: tried again at the next save
        _ackDirty = false;
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
            // The dropped count is reported and must not go back after a crash.
            if (TryWriteAck())
            {
                try
                {
                    MaybeCompact();
                }
                catch (IOException)
                {
                    // Compacted at a later save; the log only stays longer meanwhile.
                }
            }
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
        if (_log is null || _log.Length < CompactAbove || _log.Length < 2 * _bytes)
            return;
        Commit();
        using var buffer = new MemoryStream();
        foreach (var r in Pending)
            buffer.Write(SpoolFormat.Encode(r));
        // The ack file stays valid: it names sequence numbers, not offsets. If the new file
        // cannot be written the old log stays open and in use.
        SpoolFormat.WriteAtomically(_logPath, buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
        _log.Dispose();
        _log = new FileStream(_logPath, FileMode.Open, FileAccess.ReadWrite, FileShare.Read, bufferSize: 0);
        _log.Seek(0, SeekOrigin.End);
    }

    /// <summary>The acknowledged position, dropped count and epoch; false when the file is missing or unreadable (said in <see cref="Recovery"/>).</summary>
    private bool ReadAck()
    {
        if (!File.Exists(_ackPath))
            return false;
        byte[] a;
        try
        {
            a = Configuration.BoundedFile.ReadAllBytes(_ackPath, 4096);
        }
        catch (IOException e)
        {
            Recovery = $"{_ackPath} unreadable ({e.Message}): new epoch, pending events are sent again";
            return false;
        }
        int n = a.Length is AckLength or OldAckLength ? a.Length - 4 : -1;
        if (n > 0 && Crc32.Compute(a.AsSpan(0, n)) == BinaryPrimitives.ReadUInt32LittleEndian(a.AsSpan(n)))
        {
            _acked = BinaryPrimitives.ReadInt64LittleEndian(a);
            Dropped = BinaryPrimitives.ReadInt64LittleEndian(a.AsSpan(8));
            Epoch = n == 24 ? BinaryPrimitives.ReadUInt64LittleEndian(a.AsSpan(16)) : NewEpoch();
            if (_acked >= 0 && Dropped >= 0 && Epoch != 0)
                return true;
        }
        _acked = 0;
        Dropped = 0;
        Recovery = $"{_ackPath} is damaged ({a.Length} bytes, not a valid position): new epoch, pending events are sent again";
        return false;
    }

    /// <summary>[u64 acknowledged seq][u64 dropped][u64 epoch][u32 CRC-32], little endian, replaced atomically and fsynced.</summary>
    private void WriteAck()
    {
        Span<byte> a = stackalloc byte[AckLength];
        BinaryPrimitives.WriteInt64LittleEndian(a, _acked);
        BinaryPrimitives.WriteInt64LittleEndian(a[8..], Dropped);
        BinaryPrimitives.WriteUInt64LittleEndian(a[16..], Epoch);
        BinaryPrimitives.WriteUInt32LittleEndian(a[24..], Crc32.Compute(a[..24]));
        SpoolFormat.WriteAtomically(_ackPath, a);
    }

    // On a full or read-only disk the count lives on in memory and is written with the next save.
    private bool TryWriteAck()
    {
        if (_log is null)
            return false;
        try
        {
            WriteAck();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _ackDirty = true;
            return false;
        }
    }

    public void Dispose()
    {
        try
        {
            Commit();
            SaveAck();
        }
        catch (IOException)
        {
            // A full or read-only disk at exit: what was committed stays; the rest is counted by the seq gap.
        }
        _log?.Dispose();
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

    /// <summary>Never throws: a directory that cannot be read or written costs the head start and the saves (<see cref="Save"/> throws), not the retained topics.</summary>
    public RetainedStore(string directory)
    {
        _path = Path.Combine(directory, FileName);
        try
        {
            Directory.CreateDirectory(directory);
            if (File.Exists(_path))
            {
                foreach (var r in SpoolFormat.Decode(Configuration.BoundedFile.ReadAllBytes(_path, Configuration.BoundedFile.StateMaxBytes), out _, out _))
                    _latest[r.Topic] = r.Payload;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a head start: the monitor's next evaluation publishes everything again.
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

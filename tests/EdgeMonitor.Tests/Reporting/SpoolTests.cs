using System.Text;
using EdgeMonitor.Net;
using EdgeMonitor.Reporting.Mqtt;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Reporting;

/// <summary>The MQTT spool on real files: order, acknowledgement, bounds, and what a crash can leave behind.</summary>
public sealed class SpoolTests
{
    private static byte[] Payload(long seq, int size = 20) => Encoding.UTF8.GetBytes($"event {seq} ".PadRight(size, '.'));

    private static Spool Open(string dir, int maxEvents = 1000, long maxBytes = 1 << 20) => new(dir, maxEvents, maxBytes);

    private static void Fill(Spool s, int n, int size = 20)
    {
        for (int i = 0; i < n; i++)
            s.Append("p/events", seq => Payload(seq, size));
        s.Commit();
    }

    private static long[] Seqs(Spool s) => s.Pending.Select(r => r.Seq).ToArray();

    /// <summary>Flips bits of one byte of the spool log, as a failing SD card does.</summary>
    private static void Flip(string dir, Func<int, int> offsetInLength, byte bits)
    {
        string log = Path.Combine(dir, Spool.LogName);
        byte[] bytes = File.ReadAllBytes(log);
        bytes[offsetInLength(bytes.Length)] ^= bits;
        File.WriteAllBytes(log, bytes);
    }

    [Fact]
    public void Pending_events_and_the_acknowledged_position_survive_a_reopen()
    {
        string dir = TempDir.Create("spool");
        using (var s = Open(dir))
        {
            Fill(s, 5);
            s.Acknowledge(2);
            s.SaveAck();
        }
        using (var s = Open(dir))
        {
            Assert.Null(s.Recovery);
            Assert.Equal([3L, 4, 5], Seqs(s));
            Assert.Equal("event 3 ", Encoding.UTF8.GetString(s.Pending.First().Payload)[..8]);
            Assert.Equal("p/events", s.Pending.First().Topic);
            var next = s.Append("p/events", seq => Payload(seq));
            Assert.Equal(6, next!.Seq); // sequence numbers never repeat across restarts
        }
    }

    [Fact]
    public void A_torn_last_record_is_discarded_and_everything_before_it_kept()
    {
        string dir = TempDir.Create("spool");
        using (var s = Open(dir))
            Fill(s, 3);
        string log = Path.Combine(dir, Spool.LogName);
        long full = new FileInfo(log).Length;
        using (var f = new FileStream(log, FileMode.Open))
            f.SetLength(full - 5); // the crash hit in the middle of the third append

        using (var s = Open(dir))
        {
            Assert.Equal([1L, 2], Seqs(s));
            Assert.Contains("torn", s.Recovery);
            Assert.Equal(0, s.Dropped);
            Fill(s, 1); // appends go after the intact prefix, not after the torn bytes
        }
        using (var s = Open(dir))
        {
            Assert.Null(s.Recovery);
            Assert.Equal([1L, 2, 3], Seqs(s));
        }
    }

    [Fact]
    public void A_record_with_a_bad_crc_costs_that_record_only_and_is_counted_as_dropped()
    {
        string dir = TempDir.Create("spool");
        int recordSize;
        ulong epoch;
        using (var s = Open(dir))
        {
            Fill(s, 1);
            recordSize = (int)new FileInfo(Path.Combine(dir, Spool.LogName)).Length;
            Fill(s, 2);
            epoch = s.Epoch;
        }
        string log = Path.Combine(dir, Spool.LogName);
        Flip(dir, _ => recordSize + recordSize - 3, 0x40); // one bit in the second record's payload

        using (var s = Open(dir))
        {
            Assert.Equal([1L, 3], Seqs(s)); // reading goes on after the damage
            Assert.Contains("corrupt", s.Recovery);
            Assert.Equal(1, s.Dropped);
            Assert.Equal(2 * recordSize, new FileInfo(log).Length); // rewritten with the intact records
            Assert.Equal(epoch, s.Epoch); // the numbers after the gap are known: same epoch
            Assert.Equal(4, s.Append("p/events", seq => Payload(seq))!.Seq);
        }
        using (var s = Open(dir))
        {
            Assert.Null(s.Recovery);
            Assert.Equal(1, s.Dropped); // the count is kept
        }
    }

    [Fact]
    public void One_flipped_byte_in_the_middle_of_a_long_spool_loses_one_event_and_counts_it()
    {
        string dir = TempDir.Create("spool");
        using (var s = Open(dir))
            Fill(s, 29);
        Flip(dir, length => length / 2, 0x01);
        using var reopened = Open(dir);
        Assert.Equal(28, reopened.Count);
        Assert.Equal(1, reopened.Dropped);
        Assert.Contains("1 event(s) lost", reopened.Recovery);
        Assert.Equal(30, reopened.Append("p/events", seq => Payload(seq))!.Seq); // lost numbers are never given again
    }

    [Fact]
    public void A_corrupt_last_record_starts_a_new_epoch_since_the_last_numbers_are_unknown()
    {
        string dir = TempDir.Create("spool");
        ulong epoch;
        using (var s = Open(dir))
        {
            Fill(s, 3);
            epoch = s.Epoch;
        }
        Flip(dir, length => length - 2, 0x10);
        using var reopened = Open(dir);
        Assert.Equal([1L, 2], Seqs(reopened));
        Assert.Equal(1, reopened.Dropped);
        Assert.NotEqual(epoch, reopened.Epoch);
        Assert.Contains("new epoch", reopened.Recovery);
    }

    [Fact]
    public void A_lost_state_directory_restarts_the_counter_in_a_new_epoch_and_a_clean_reopen_keeps_both()
    {
        string dir = TempDir.Create("spool");
        ulong first;
        using (var s = Open(dir))
        {
            Fill(s, 3);
            s.Acknowledge(3);
            s.SaveAck();
            first = s.Epoch;
            Assert.Equal(16, s.EpochText.Length);
        }
        using (var s = Open(dir))
        {
            Assert.Equal(first, s.Epoch);
            Assert.Equal(4, s.Append("p/events", seq => Payload(seq))!.Seq);
        }
        // OpenWrt keeps the state directory in RAM: after a reboot both files are gone.
        File.Delete(Path.Combine(dir, Spool.LogName));
        File.Delete(Path.Combine(dir, Spool.AckName));
        using (var s = Open(dir))
        {
            Assert.Equal(1, s.Append("p/events", seq => Payload(seq))!.Seq);
            Assert.NotEqual(first, s.Epoch); // (epoch, seq) is still unique
        }
    }

    [Fact]
    public void A_compacted_spool_with_nothing_pending_keeps_counting()
    {
        string dir = TempDir.Create("spool");
        using (var s = Open(dir))
        {
            Fill(s, 5000, size: 40); // past the compaction threshold
            s.Acknowledge(5000);
            s.SaveAck();
            Assert.Equal(0, new FileInfo(Path.Combine(dir, Spool.LogName)).Length);
        }
        using var reopened = Open(dir);
        Assert.Equal(5001, reopened.Append("p/events", seq => Payload(seq))!.Seq);
    }

    [Fact]
    public void A_garbage_length_is_treated_as_corruption_not_an_allocation()
    {
        string dir = TempDir.Create("spool");
        using (var s = Open(dir))
            Fill(s, 2);
        string log = Path.Combine(dir, Spool.LogName);
        using (var f = new FileStream(log, FileMode.Append))
            f.Write([0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 5, 6, 7, 8]);
        using var reopened = Open(dir);
        Assert.Equal([1L, 2], Seqs(reopened));
        Assert.Contains("corrupt", reopened.Recovery);
    }

    [Fact]
    public void When_the_event_bound_is_hit_the_oldest_go_first_and_are_counted_across_restarts()
    {
        string dir = TempDir.Create("spool");
        using (var s = Open(dir, maxEvents: 3))
        {
            Fill(s, 5);
            Assert.Equal([3L, 4, 5], Seqs(s));
            Assert.Equal(2, s.Dropped);
        }
        using (var s = Open(dir, maxEvents: 3))
        {
            Assert.Equal([3L, 4, 5], Seqs(s));
            Assert.Equal(2, s.Dropped);
        }
    }

    [Fact]
    public void When_the_byte_bound_is_hit_the_oldest_go_first()
    {
        string dir = TempDir.Create("spool");
        using var s = Open(dir, maxBytes: 4096);
        Fill(s, 20, size: 1000);
        Assert.True(s.Bytes <= 4096, $"{s.Bytes} bytes pending");
        Assert.Equal(20, s.Pending.Last().Seq);
        Assert.Equal(20 - s.Count, s.Dropped);
        Assert.True(s.Dropped >= 16);
    }

    [Fact]
    public void Acknowledged_records_are_compacted_away_and_sequence_numbers_continue()
    {
        string dir = TempDir.Create("spool");
        string log = Path.Combine(dir, Spool.LogName);
        using (var s = Open(dir))
        {
            Fill(s, 200, size: 1000);
            long before = new FileInfo(log).Length;
            s.Acknowledge(195);
            s.SaveAck();
            Assert.True(new FileInfo(log).Length < before / 10, "the log was rewritten without acknowledged records");
            Assert.Equal([196L, 197, 198, 199, 200], Seqs(s));
            Fill(s, 1);
        }
        using (var s = Open(dir))
        {
            Assert.Null(s.Recovery);
            Assert.Equal([196L, 197, 198, 199, 200, 201], Seqs(s));
        }
    }

    [Fact]
    public void A_lost_or_corrupt_ack_file_means_sending_again_never_losing()
    {
        string dir = TempDir.Create("spool");
        using (var s = Open(dir))
        {
            Fill(s, 3);
            s.Acknowledge(2);
            s.SaveAck();
        }
        File.WriteAllBytes(Path.Combine(dir, Spool.AckName), [1, 2, 3]);
        using var reopened = Open(dir);
        Assert.Equal([1L, 2, 3], Seqs(reopened));
        Assert.Contains("damaged", reopened.Recovery); // said, not silently ignored
    }

    [Fact]
    public void After_starts_behind_a_given_seq_also_after_drops_and_acks()
    {
        string dir = TempDir.Create("spool");
        using var s = Open(dir, maxEvents: 3000);
        Fill(s, 5000);
        s.Acknowledge(2500);
        Assert.Equal(2501, s.Pending.First().Seq);
        Assert.Equal([4998L, 4999, 5000], s.After(4997).Select(r => r.Seq).ToArray());
        Assert.Equal(2501, s.After(0).First().Seq);
        Assert.Empty(s.After(5000));
        Assert.Equal(2000, s.Dropped);
        Assert.Equal(2500, s.Count);
    }

    [RootFact]
    public void A_full_disk_loses_the_event_that_did_not_fit_counts_it_and_leaves_a_gap()
    {
        string dir = TempDir.Create("spoolfull");
        Sh.Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir);
        try
        {
            long written = 0;
            using (var s = Open(dir, maxBytes: 16 << 20))
            {
                while (s.Append("p/events", seq => Payload(seq, 1000)) is not null)
                    written++;
                Assert.Equal(1, s.Dropped);
                Assert.NotNull(s.WriteError);
                Assert.Null(s.Append("p/events", seq => Payload(seq, 1000))); // still full: counted again, no throw
                Assert.Equal(2, s.Dropped);
            }
            using var reopened = Open(dir, maxBytes: 16 << 20);
            Assert.Null(reopened.Recovery); // the partial record was cut off, not left to end the log
            Assert.Equal(written, reopened.Count);
            Assert.Equal(Enumerable.Range(1, (int)written).Select(i => (long)i), Seqs(reopened));
        }
        finally
        {
            Sh.Run("umount", dir);
        }
    }

    [Fact]
    public void Retained_store_keeps_the_latest_payload_per_topic()
    {
        string dir = TempDir.Create("retained");
        var r = new RetainedStore(dir);
        r.Set("p/status", "one"u8.ToArray());
        r.Set("p/targets/a/b", "t"u8.ToArray());
        r.Set("p/status", "two"u8.ToArray());
        r.Save();
        var again = new RetainedStore(dir);
        Assert.Equal(2, again.All.Count);
        Assert.Equal("two", Encoding.UTF8.GetString(again.All["p/status"]));
    }

    [Theory]
    [InlineData("gw", "gw")]
    [InlineData("a/b", "a_b")]
    [InlineData("x+#y", "x__y")]
    [InlineData("", "_")]
    [InlineData("tab\there", "tab_here")]
    public void Topic_levels_from_names_are_made_safe(string name, string level) =>
        Assert.Equal(level, MqttTopics.Level(name));
}

using System.Text.Json;
using EdgeMonitor.Reporting.Mqtt;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;
using static EdgeMonitor.Tests.Reporting.MqttTestSupport;

namespace EdgeMonitor.Tests.Reporting;

/// <summary>
/// Numbering for consumers, (epoch, seq), and a state disk that is lost, full or read-only,
/// against a real mosquitto: nothing lost without a trace, and the retained status keeps flowing.
/// </summary>
[Collection("mosquitto")]
public sealed class MqttDiskTests
{
    private static MqttReporter Create(EdgeMonitor.Configuration.MqttConfig config, string stateDir, ListSink log) =>
        MqttTestSupport.Create(config, stateDir, log, [Gateway]);

    private static EdgeMonitor.Configuration.MqttConfig Quiet(int port, string prefix)
    {
        var c = Config(port, prefix);
        c.HomeAssistant = false;
        return c;
    }

    /// <summary>Events by first arrival of each (epoch, seq): QoS 1 may repeat one.</summary>
    private static List<(string Epoch, long Seq)> Events(List<(bool Retained, string Topic, string Payload)> messages)
    {
        var list = new List<(string, long)>();
        foreach (var m in messages)
        {
            var e = Json(m.Payload);
            var key = (e.GetProperty("epoch").GetString()!, e.GetProperty("seq").GetInt64());
            if (!list.Contains(key))
                list.Add(key);
        }
        return list;
    }

    private static JsonElement RetainedStatus(MosquittoBroker broker, string prefix, ListSink log, Func<JsonElement, bool> ready) =>
        Json(MqttReporterTests.WaitRetained(broker, [$"{prefix}/status"], m => m.Count > 0 && ready(Json(m[0].Payload)), log)[0].Payload);

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public async Task Events_carry_the_epoch_seq_is_gapless_within_it_and_a_lost_state_directory_starts_a_new_epoch()
    {
        using var broker = new MosquittoBroker();
        string prefix = Prefix();
        string state = Path.Combine(TempDir.Create("mqttepoch"), "state");
        var log = new ListSink();
        using var sub = broker.Subscribe([$"{prefix}/events"]);
        var changes = Flips(3).ToList(); // 3 events each

        string first;
        await using (var reporter = Create(Quiet(broker.Port, prefix), state, log))
        {
            reporter.OnStatus(changes[0]);
            reporter.OnStatus(changes[1]);
            sub.WaitFor(m => Events(m).Count >= 6, "the first run's 6 events");
            first = RetainedStatus(broker, prefix, log, s => s.GetProperty("overall").GetString() == "failing").GetProperty("epoch").GetString()!;
        }
        // OpenWrt keeps the state directory in RAM: a reboot loses it, and the counter with it.
        Directory.Delete(state, recursive: true);
        string second;
        await using (var reporter = Create(Quiet(broker.Port, prefix), state, log))
        {
            reporter.OnStatus(changes[2]);
            sub.WaitFor(m => Events(m).Count >= 9, "the second run's 3 events");
            second = RetainedStatus(broker, prefix, log, s => s.GetProperty("epoch").GetString() != first).GetProperty("epoch").GetString()!;
        }

        Assert.Matches("^[0-9a-f]{16}$", first);
        Assert.Matches("^[0-9a-f]{16}$", second);
        Assert.NotEqual(first, second);
        var events = Events(sub.Messages());
        // Within an epoch: 1, 2, 3... in order, no gap; the new epoch counts from 1 again.
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (first, (long)i)).Concat(Enumerable.Range(1, 3).Select(i => (second, (long)i))), events);
    }

    /// <summary>A state directory that cannot hold a spool at start: MQTT stays on, the status flows, the events are counted as dropped.</summary>
    private static async Task ReportsWithoutASpool(string stateDir)
    {
        using var broker = new MosquittoBroker();
        string prefix = Prefix();
        var log = new ListSink();
        using var sub = broker.Subscribe([$"{prefix}/events"]);
        await using var reporter = Create(Quiet(broker.Port, prefix), stateDir, log);
        var changes = Flips(4).ToList();
        reporter.OnStatus(changes[0]);
        reporter.OnStatus(changes[1]);
        var status = RetainedStatus(broker, prefix, log, s => s.GetProperty("droppedEvents").GetInt64() == 6);
        Assert.Equal("failing", status.GetProperty("overall").GetString());
        // Later changes still reach the broker's retained status.
        reporter.OnStatus(changes[2]);
        reporter.OnStatus(changes[3]);
        status = RetainedStatus(broker, prefix, log, s => s.GetProperty("droppedEvents").GetInt64() == 12);
        Assert.Equal("failing", status.GetProperty("overall").GetString());
        Assert.Equal(0, status.GetProperty("spooledEvents").GetInt64());
        Thread.Sleep(2500); // a few once-a-second saves, each failing
        string text = log.Text;
        Assert.Equal(1, Count(text, "MQTT spool unavailable"));
        Assert.DoesNotContain("MQTT off", text);
        Assert.Equal(0, Count(text, "cannot write events")); // said once, at start
        Assert.True(Count(text, "saving the retained topics\" failed") == 1, text);
        Assert.Empty(sub.Messages());
    }

    private static int Count(string text, string what) => text.Split('\n').Count(l => l.Contains(what, StringComparison.Ordinal));

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public async Task A_state_directory_that_is_a_file_keeps_the_status_flowing_and_counts_the_events()
    {
        string file = Path.Combine(TempDir.Create("mqttnodir"), "state");
        File.WriteAllText(file, "not a directory");
        await ReportsWithoutASpool(file);
    }

    [RootFact]
    public async Task A_read_only_state_directory_keeps_the_status_flowing_and_counts_the_events()
    {
        string dir = TempDir.Create("mqttro");
        Sh.Run("mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", dir);
        try
        {
            await ReportsWithoutASpool(dir);
        }
        finally
        {
            Sh.Run("umount", dir);
        }
    }

    /// <summary>
    /// The disk fills up under a running reporter: each event is dropped and counted, the write
    /// error and each failing save are logged once, the status keeps flowing; once there is room
    /// again the events go out with seq continuing after the gap.
    /// </summary>
    [RootFact]
    public async Task A_full_disk_drops_and_counts_events_logs_once_and_resumes_after_the_gap()
    {
        string dir = TempDir.Create("mqttfull");
        Sh.Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir);
        try
        {
            // Full before the reporter starts, so not even the slack of a page takes an event.
            string filler = Path.Combine(dir, "filler");
            using (var f = new FileStream(filler, FileMode.Create))
            {
                try
                {
                    while (true)
                        f.Write(new byte[4096]);
                }
                catch (IOException)
                {
                }
            }
            using var broker = new MosquittoBroker();
            string prefix = Prefix();
            var log = new ListSink();
            using var sub = broker.Subscribe([$"{prefix}/events"]);
            await using var reporter = Create(Quiet(broker.Port, prefix), dir, log);
            var changes = Flips(4).ToList();
            reporter.OnStatus(changes[0]);
            reporter.OnStatus(changes[1]);
            RetainedStatus(broker, prefix, log, s => s.GetProperty("droppedEvents").GetInt64() == 6);
            reporter.OnStatus(changes[2]);
            var status = RetainedStatus(broker, prefix, log, s => s.GetProperty("droppedEvents").GetInt64() == 9);
            Assert.Equal("ok", status.GetProperty("overall").GetString());
            Thread.Sleep(2500); // a few once-a-second saves, each failing
            string text = log.Text;
            Assert.True(Count(text, "cannot write events") == 1, text);
            Assert.True(Count(text, "saving the retained topics\" failed") == 1, text);
            Assert.True(Count(text, "saving the spool position\" failed") == 1, text);
            Assert.Empty(sub.Messages());

            File.Delete(filler);
            reporter.OnStatus(changes[3]);
            var got = sub.WaitFor(m => Events(m).Count >= 3, "the events after the disk has room again");
            string epoch = status.GetProperty("epoch").GetString()!;
            // Seq 1..9 went to the dropped events: the gap tells consumers, droppedEvents says how many.
            Assert.Equal(new[] { (epoch, 10L), (epoch, 11L), (epoch, 12L) }, Events(got));
            MqttReporterTests.WaitFor(() => Count(log.Text, "works again") == 2, "both saves working again", log);
            Assert.Contains("MQTT spool writes events again (9 dropped so far)", log.Text);
        }
        finally
        {
            Sh.Run("umount", dir);
        }
    }
}

using System.Diagnostics;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;
using Xunit.Abstractions;
using static EdgeMonitor.Tests.Reporting.MqttReporterTests;
using static EdgeMonitor.Tests.Reporting.MqttTestSupport;

namespace EdgeMonitor.Tests.Reporting;

/// <summary>What a NOC relies on: fast reconnects, dead links noticed, no ghost topics, honest staleness.</summary>
[Collection("mosquitto")]
public sealed class MqttRecoveryTests(ITestOutputHelper output)
{
    private static readonly Target Extra = new("lab", "extra", "tcp", "127.0.0.1", 10, Requirement.Required, Role.Primary, "extra", "test");

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public async Task Reconnects_within_5_s_of_the_broker_coming_back()
    {
        using var broker = new MosquittoBroker();
        string prefix = Prefix();
        var config = Config(broker.Port, prefix);
        config.ReconnectMaxSeconds = new EdgeMonitor.Configuration.MqttConfig().ReconnectMaxSeconds; // the default
        var log = new ListSink();
        await using var reporter = Create(config, TempDir.Create("mqtt"), log, [Gateway]);
        reporter.OnStatus(Flips(1).Single());
        WaitFor(() => log.Text.Contains("MQTT connected", StringComparison.Ordinal), "connected", log);

        broker.Stop();
        // Long enough away for the backoff to reach its cap.
        WaitFor(() => log.Text.Split('\n').Count(l => l.Contains("unreachable", StringComparison.Ordinal)) >= 2, "backoff", log);
        Thread.Sleep(TimeSpan.FromSeconds(config.ReconnectMaxSeconds * 2));
        int before = log.Text.Split('\n').Count(l => l.Contains("MQTT connected", StringComparison.Ordinal));
        var back = Stopwatch.StartNew();
        broker.Start();
        var deadline = TimeSpan.FromSeconds(5);
        while (log.Text.Split('\n').Count(l => l.Contains("MQTT connected", StringComparison.Ordinal)) == before)
        {
            Assert.True(back.Elapsed < deadline, $"not reconnected within 5 s of the broker's return; log:\n{log.Text}");
            Thread.Sleep(20);
        }
        output.WriteLine($"reconnected {back.Elapsed.TotalMilliseconds:F0} ms after the broker was back");
    }

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public async Task A_frozen_broker_is_noticed_within_1_5_keepalives_and_the_log_says_so()
    {
        using var broker = new MosquittoBroker();
        string prefix = Prefix();
        var config = Config(broker.Port, prefix);
        config.KeepAliveSeconds = 6;
        var log = new ListSink();
        await using var reporter = Create(config, TempDir.Create("mqtt"), log, [Gateway]);
        WaitFor(() => log.Text.Contains("MQTT connected", StringComparison.Ordinal), "connected", log);

        var frozen = Stopwatch.StartNew();
        broker.Signal(Posix.SIGSTOP); // the TCP connection stays open; nothing answers
        try
        {
            var limit = TimeSpan.FromSeconds(config.KeepAliveSeconds * 1.5);
            while (!log.Text.Contains("connection is dead", StringComparison.Ordinal))
            {
                Assert.True(frozen.Elapsed < limit, $"dead connection not noticed within 1.5 x keepalive; log:\n{log.Text}");
                Thread.Sleep(20);
            }
            output.WriteLine($"noticed {frozen.Elapsed.TotalMilliseconds:F0} ms after the freeze (keepalive {config.KeepAliveSeconds} s)");
            Assert.Contains("did not answer a ping", log.Text);
        }
        finally
        {
            broker.Signal(Posix.SIGCONT);
        }
        // And it comes back by itself.
        WaitFor(() => log.Text.Split('\n').Count(l => l.Contains("MQTT connected", StringComparison.Ordinal)) >= 2, "a reconnect", log);
    }

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public async Task A_removed_target_leaves_no_ghost_after_a_reload_or_a_restart()
    {
        using var broker = new MosquittoBroker();
        string prefix = Prefix();
        var config = Config(broker.Port, prefix);
        config.DiscoveryPrefix = $"ha{Guid.NewGuid():N}"[..12];
        string state = TempDir.Create("mqttghost");
        string extraTopic = $"{prefix}/targets/lab/extra";
        string extraConfig = $"{config.DiscoveryPrefix}/binary_sensor/edgemonitor_lab_box1/group_lab_extra/config";
        string[] all = [$"{prefix}/#", $"{config.DiscoveryPrefix}/#"];

        // Reload: the reporter is told the new targets.
        var log = new ListSink();
        await using (var reporter = Create(config, state, log, [Gateway, Extra]))
        {
            reporter.OnStatus(StatusChange.Between(Start, TwoTargets(), DateTimeOffset.UtcNow));
            WaitRetained(broker, all, m => m.Any(x => x.Topic == extraTopic) && m.Any(x => x.Topic == extraConfig), log);
            reporter.Reconfigure(config, "lab", "box1", [Gateway]);
            var after = WaitRetained(broker, all, m => !m.Any(x => x.Topic == extraTopic || x.Topic == extraConfig), log);
            Assert.Contains(after, m => m.Topic == $"{prefix}/targets/lab/gw");
            Assert.Contains(after, m => m.Topic.EndsWith("/group_lab_gw/config", StringComparison.Ordinal));
        }

        // Restart: a new process with fewer targets clears what the last one left, and does not republish it.
        var log2 = new ListSink();
        await using (var reporter = Create(config, state, log2, [Gateway, Extra]))
        {
            reporter.OnStatus(StatusChange.Between(Start, TwoTargets(), DateTimeOffset.UtcNow));
            WaitRetained(broker, all, m => m.Any(x => x.Topic == extraTopic) && m.Any(x => x.Topic == extraConfig), log2);
        }
        var log3 = new ListSink();
        await using (var reporter = Create(config, state, log3, [Gateway]))
        {
            WaitFor(() => log3.Text.Contains("MQTT connected", StringComparison.Ordinal), "connected", log3);
            WaitRetained(broker, all, m => !m.Any(x => x.Topic == extraTopic || x.Topic == extraConfig), log3);
            Assert.Contains(log3.Text.Split('\n'), l => l.Contains("clearing retained", StringComparison.Ordinal) && l.Contains(extraTopic, StringComparison.Ordinal));
        }
    }

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public async Task A_new_node_name_moves_every_topic_and_clears_the_old_ones()
    {
        using var broker = new MosquittoBroker();
        var config = Config(broker.Port, Prefix());
        config.TopicPrefix = null; // edgemonitor/<site>/<node>
        config.DiscoveryPrefix = $"ha{Guid.NewGuid():N}"[..12];
        string site = $"s{Guid.NewGuid():N}"[..10];
        var log = new ListSink();
        var control = new RecordingControl();
        await using var reporter = EdgeMonitor.Reporting.Mqtt.MqttReporter.TryCreate(config, site, "old", [Gateway], TempDir.Create("mqtt"),
            log.Logger(), control, TimeProvider.System)!;
        reporter.OnStatus(Flips(1).Single());
        string[] all = [$"edgemonitor/{site}/#"];
        WaitRetained(broker, all, m => m.Any(x => x.Topic == $"edgemonitor/{site}/old/status"), log);

        reporter.Reconfigure(config, site, "new", [Gateway]);
        var after = WaitRetained(broker, all, m => m.Any(x => x.Topic == $"edgemonitor/{site}/new/status")
            && m.Any(x => x.Topic == $"edgemonitor/{site}/new/availability" && x.Payload == "online")
            && !m.Any(x => x.Topic.StartsWith($"edgemonitor/{site}/old/", StringComparison.Ordinal)), log);
        Assert.Equal("new", Json(after.Single(x => x.Topic == $"edgemonitor/{site}/new/status").Payload).GetProperty("node").GetString());
    }

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public async Task The_startup_picture_is_stale_and_makes_no_events()
    {
        using var broker = new MosquittoBroker();
        string prefix = Prefix();
        var log = new ListSink();
        await using var reporter = Create(Config(broker.Port, prefix), TempDir.Create("mqtt"), log, [Gateway]);
        using var events = broker.Subscribe([$"{prefix}/events"]);
        // What a restarted daemon shows first: the last state from status.json (or all unknown).
        var restored = Snapshot(pass: false);
        reporter.OnStatus(StatusChange.Between(StatusSnapshot.Empty, restored, DateTimeOffset.UtcNow));
        var seen = WaitRetained(broker, [$"{prefix}/status"], m => m.Count > 0, log);
        Assert.True(Json(seen[0].Payload).GetProperty("stale").GetBoolean());

        // Its own first verdict: fresh, and an event for what really changed.
        reporter.OnStatus(StatusChange.Between(restored, Snapshot(pass: true), DateTimeOffset.UtcNow));
        WaitRetained(broker, [$"{prefix}/status"], m => m.Count > 0 && !Json(m[0].Payload).GetProperty("stale").GetBoolean(), log);
        var got = events.WaitFor(m => m.Any(x => x.Payload.Contains("\"what\":\"overall\"", StringComparison.Ordinal)), "the overall event");
        Assert.All(got, m => Assert.Contains("\"from\":\"failing\"", m.Payload)); // none from the startup picture
        Assert.DoesNotContain(got, m => m.Payload.Contains("\"from\":\"unknown\",\"to\":\"unknown\"", StringComparison.Ordinal));
    }

    [RequiresFact("mosquitto", "mosquitto_sub", "mosquitto_passwd")]
    public async Task Credentials_over_plain_tcp_are_warned_about()
    {
        string dir = TempDir.Create("mqttplain");
        string creds = Path.Combine(dir, "creds");
        File.WriteAllText(creds, "edge\npass\n");
        File.SetUnixFileMode(creds, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var broker = new MosquittoBroker();
        var config = Config(broker.Port, Prefix());
        config.CredentialsFile = creds;
        var log = new ListSink();
        await using var reporter = Create(config, TempDir.Create("mqtt"), log, [Gateway]);
        Assert.Contains("over plain TCP", log.Text);
        Assert.DoesNotContain("pass\n", log.Text);
    }

    /// <summary>Both targets failing: each has a retained target topic and a group in discovery.</summary>
    private static StatusSnapshot TwoTargets()
    {
        var r1 = new ProbeResult(Gateway, Family.IPv4, "127.0.0.1:9", false, Reason.TcpRefused, "refused", 1, Requirement.Required, DateTimeOffset.UtcNow);
        var r2 = new ProbeResult(Extra, Family.IPv4, "127.0.0.1:10", false, Reason.TcpRefused, "refused", 1, Requirement.Required, DateTimeOffset.UtcNow);
        return new StatusSnapshot(Status.Failing, Reason.TcpRefused, [new ProfileStatus("lab", Status.Failing, Reason.TcpRefused)],
            [new GroupStatus("lab", "gw", Status.Failing, Reason.TcpRefused, "refused"), new GroupStatus("lab", "extra", Status.Failing, Reason.TcpRefused, "refused")],
            [r1, r2]);
    }
}

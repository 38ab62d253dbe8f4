using EdgeMonitor.Net;
using EdgeMonitor.Reporting.Mqtt;
using EdgeMonitor.Tests.Daemon;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Reporting;

/// <summary>Crash safety of the spool under a real `kill -9`, not a clean stop (issue 17).</summary>
public sealed class SpoolCrashTests
{
    [RequiresFact("mosquitto", "mosquitto_sub")]
    public void Events_held_by_a_daemon_killed_with_sigkill_arrive_after_the_restart()
    {
        using var broker = new MosquittoBroker();
        broker.Stop(); // away: every event stays in the spool, unacknowledged
        using var api = new AcceptingListener();
        string prefix = MqttTestSupport.Prefix();
        using var daemon = new DaemonHarness($$"""
            { "site": "lab", "node": "kill9",
              "targets": [ { "profile": "lab", "id": "api", "kind": "tcp", "host": "127.0.0.1", "port": {{api.Port}} } ],
              "monitor": { "intervalSeconds": 1, "jitter": 0, "failuresToFail": 1, "successesToRecover": 1 },
              "mqtt": { "enabled": true, "host": "127.0.0.1", "port": {{broker.Port}}, "topicPrefix": "{{prefix}}",
                        "reconnectMaxSeconds": 1, "homeAssistant": false } }
            """);
        daemon.Start();
        daemon.WaitForStatus(s => DaemonHarness.Overall(s) == "ok", "ok");
        api.Stop();
        daemon.WaitForStatus(s => DaemonHarness.Overall(s) == "failing", "failing");

        // What the killed process held: the committed records of its spool (read, not opened, so nothing changes).
        string log = Path.Combine(daemon.StateDir, Spool.LogName);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        List<SpoolRecord> held;
        while ((held = SpoolFormat.Decode(File.ReadAllBytes(log), out _, out _)).Count(r => r.Payload.AsSpan().IndexOf("\"to\":\"failing\""u8) >= 0) == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the failing transition never reached the spool");
            Thread.Sleep(50);
        }
        daemon.Process!.Signal(Posix.SIGKILL);
        Assert.True(daemon.Process.Process.WaitForExit(10_000));
        Assert.NotEmpty(held);

        broker.Start();
        using var sub = broker.Subscribe([$"{prefix}/events"]);
        daemon.Start();
        var seqs = held.Select(r => MqttTestSupport.Json(System.Text.Encoding.UTF8.GetString(r.Payload)).GetProperty("seq").GetInt64()).ToList();
        var got = sub.WaitFor(m => seqs.All(seq => m.Any(x => x.Topic == $"{prefix}/events"
            && MqttTestSupport.Json(x.Payload).GetProperty("seq").GetInt64() == seq)), $"events {string.Join(',', seqs)} after the restart", 60);
        // In order: the first arrival of each held seq comes in seq order.
        var firstArrivals = got.Where(x => x.Topic == $"{prefix}/events")
            .Select(x => MqttTestSupport.Json(x.Payload).GetProperty("seq").GetInt64()).Where(seqs.Contains).Distinct().ToList();
        Assert.Equal(seqs, firstArrivals);
        Assert.Equal(0, daemon.Terminate());
    }
}

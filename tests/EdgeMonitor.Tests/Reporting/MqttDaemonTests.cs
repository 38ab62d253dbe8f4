using System.Diagnostics;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Daemon;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeMonitor.Tests.Reporting;

/// <summary>The real `edgemonitor run` with MQTT on: SIGHUP applies site, node and targets without ghosts; SIGTERM stops.</summary>
[Collection("mosquitto")]
public sealed class MqttDaemonTests(ITestOutputHelper output)
{
    private static string Config(string site, string node, int brokerPort, string discovery, string level, params int[] ports) => $$"""
        { "site": "{{site}}", "node": "{{node}}",
          "probe": { "timeoutMs": 1000 },
          "monitor": { "intervalSeconds": 1, "jitter": 0.1, "failuresToFail": 1, "successesToRecover": 1 },
          "logging": { "level": "{{level}}" },
          "mqtt": { "host": "127.0.0.1", "port": {{brokerPort}}, "discoveryPrefix": "{{discovery}}", "keepAliveSeconds": 10 },
          "targets": [ {{string.Join(", ", ports.Select((p, i) => $$"""{ "id": "t{{i}}", "kind": "tcp", "host": "127.0.0.1", "port": {{p}} }"""))}} ] }
        """;

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public void Sighup_moves_to_a_new_node_drops_a_removed_target_everywhere_and_names_what_needs_a_restart()
    {
        using var broker = new MosquittoBroker();
        using var a = new AcceptingListener();
        using var b = new AcceptingListener();
        string site = $"s{Guid.NewGuid():N}"[..10];
        string discovery = $"ha{Guid.NewGuid():N}"[..12];
        string[] all = [$"edgemonitor/{site}/#", $"{discovery}/#"];
        using var d = new DaemonHarness(Config(site, "old", broker.Port, discovery, "Information", a.Port, b.Port));
        d.Start();
        var log = new ListSink();
        MqttReporterTests.WaitRetained(broker, all, m => m.Any(x => x.Topic == $"edgemonitor/{site}/old/targets/custom/t1")
            && m.Any(x => x.Topic.EndsWith("/group_custom_t1/config", StringComparison.Ordinal))
            && m.Any(x => x.Topic == $"edgemonitor/{site}/old/status" && x.Payload.Contains("\"stale\":false", StringComparison.Ordinal)), log);

        File.WriteAllText(d.ConfigPath, Config(site, "new", broker.Port, discovery, "Debug", a.Port));
        d.Process!.Signal(Posix.SIGHUP);
        var after = MqttReporterTests.WaitRetained(broker, all,
            m => m.Any(x => x.Topic == $"edgemonitor/{site}/new/targets/custom/t0")
                && m.Any(x => x.Topic == $"edgemonitor/{site}/new/availability" && x.Payload == "online")
                && !m.Any(x => x.Topic.StartsWith($"edgemonitor/{site}/old/", StringComparison.Ordinal))
                && !m.Any(x => x.Topic.Contains("t1", StringComparison.Ordinal)), log);
        Assert.Contains(after, x => x.Topic.EndsWith("/group_custom_t0/config", StringComparison.Ordinal));
        Assert.Contains(after, x => x.Topic.EndsWith("/overall/config", StringComparison.Ordinal));
        d.Process.WaitForOutput("logging changed and takes effect only after a restart");

        var stop = Stopwatch.StartNew();
        Assert.Equal(0, d.Terminate());
        output.WriteLine($"SIGTERM to exit with MQTT connected: {stop.Elapsed.TotalMilliseconds:F0} ms");
        using var late = broker.Subscribe([$"edgemonitor/{site}/new/availability"]);
        Assert.Equal("offline", late.WaitFor(m => m.Count > 0, "retained availability")[0].Payload);
    }
}

using System.Text.Json;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Reporting.Mqtt;
using EdgeMonitor.Tests.Fixtures;
using EdgeMonitor.Tests.Infrastructure;
using Xunit.Abstractions;
using static EdgeMonitor.Tests.Reporting.MqttTestSupport;

namespace EdgeMonitor.Tests.Reporting;

/// <summary>The MQTT reporter against a real mosquitto broker, read back with mosquitto_sub.</summary>
[Collection("mosquitto")]
public sealed class MqttReporterTests(ITestOutputHelper output)
{
    private static MqttReporter Create(EdgeMonitor.Configuration.MqttConfig config, string stateDir, ListSink log, RecordingControl? control = null) =>
        MqttTestSupport.Create(config, stateDir, log, [Gateway], control);

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public async Task Retained_availability_status_targets_and_discovery_after_connect_then_offline_on_stop()
    {
        using var broker = new MosquittoBroker();
        string prefix = Prefix();
        var log = new ListSink();
        var reporter = Create(Config(broker.Port, prefix), TempDir.Create("mqtt"), log);
        reporter.OnStatus(Flips(1, firstPass: false).Single());

        // A subscriber that arrives later sees everything retained.
        string[] topics = [$"{prefix}/#", "homeassistant/#"];
        var seen = WaitRetained(broker, topics, m => m.Any(x => x.Topic == $"{prefix}/status")
            && m.Any(x => x.Topic.EndsWith("/group_lab_gw/config", StringComparison.Ordinal))
            && m.Any(x => x.Topic == $"{prefix}/availability"), log);

        Assert.Contains(seen, m => m.Retained && m.Topic == $"{prefix}/availability" && m.Payload == "online");
        var status = Json(seen.Single(m => m.Topic == $"{prefix}/status").Payload);
        Assert.Equal("failing", status.GetProperty("overall").GetString());
        Assert.Equal("tcp_refused", status.GetProperty("reason").GetString());
        Assert.Equal("box1", status.GetProperty("node").GetString());
        Assert.Equal(EdgeMonitor.AppInfo.Version, status.GetProperty("version").GetString());
        Assert.True(status.GetProperty("uptimeSeconds").GetInt64() >= 0);
        Assert.Equal(0, status.GetProperty("droppedEvents").GetInt64());
        Assert.Matches("^[0-9a-f]{16}$", status.GetProperty("epoch").GetString());
        Assert.False(status.GetProperty("stale").GetBoolean()); // a verdict of this process
        var failing = Assert.Single(status.GetProperty("failing").EnumerateArray());
        Assert.Equal("lab/gw", failing.GetProperty("target").GetString());
        Assert.Equal("tcp_refused", failing.GetProperty("reason").GetString());
        Assert.Equal("tcp_refused", status.GetProperty("results")[0].GetProperty("reason").GetString());

        var target = Json(seen.Single(m => m.Topic == $"{prefix}/targets/lab/gw").Payload);
        Assert.Equal("fail", target.GetProperty("outcome").GetString());
        Assert.Equal("ipv4", target.GetProperty("results")[0].GetProperty("family").GetString());

        // Every field Home Assistant acts on, for the overall entity and a group's (README "Home Assistant").
        const string OnOff = "{% set v = s.status | default('unknown') %}{{ 'ON' if v in ['ok', 'degraded'] else ('OFF' if v == 'failing' else 'None') }}";
        const string Attributes = "{{ {'status': s.status | default('unknown'), 'reason': s.reason | default(''), 'detail': s.detail | default(''), "
            + "'stale': value_json.stale, 'version': value_json.version} | tojson }}";
        const string Overall = "{% set s = ({'status': value_json.overall, 'reason': value_json.reason, 'detail': ''}) %}";
        const string Group = "{% set s = (value_json.groups | selectattr('profile', 'equalto', 'lab') | selectattr('id', 'equalto', 'gw') | first | default({})) %}";
        AssertDiscovery(seen, prefix, "overall", "Overall", Overall + OnOff, Overall + Attributes);
        AssertDiscovery(seen, prefix, "group_lab_gw", "Group lab/gw", Group + OnOff, Group + Attributes);
        const string Profile = "{% set s = (value_json.profiles | selectattr('name', 'equalto', 'lab') | first | default({})) %}";
        AssertDiscovery(seen, prefix, "profile_lab", "Profile lab", Profile + OnOff, Profile + Attributes);

        // A clean stop says offline itself (the will is for crashes).
        await reporter.DisposeAsync();
        WaitRetained(broker, [$"{prefix}/availability"], m => m.Any(x => x.Payload == "offline"), log);
    }

    private static void AssertDiscovery(List<(bool Retained, string Topic, string Payload)> seen, string prefix, string objectId, string name,
        string valueTemplate, string attributesTemplate)
    {
        var m = seen.Single(x => x.Topic == $"homeassistant/binary_sensor/edgemonitor_lab_box1/{objectId}/config");
        Assert.True(m.Retained);
        var d = Json(m.Payload);
        var expected = new Dictionary<string, string>
        {
            ["name"] = name,
            ["unique_id"] = $"edgemonitor_lab_box1_{objectId}",
            ["device_class"] = "connectivity",
            ["state_topic"] = $"{prefix}/status",
            ["value_template"] = valueTemplate,
            ["payload_on"] = "ON",
            ["payload_off"] = "OFF",
            ["availability_topic"] = $"{prefix}/availability",
            ["payload_available"] = "online",
            ["payload_not_available"] = "offline",
            ["json_attributes_topic"] = $"{prefix}/status",
            ["json_attributes_template"] = attributesTemplate,
        };
        Assert.Equal([.. expected.Keys, "device"], d.EnumerateObject().Select(p => p.Name));
        foreach (var (key, value) in expected)
            Assert.Equal(value, d.GetProperty(key).GetString());
        var device = d.GetProperty("device");
        Assert.Equal(["edgemonitor_lab_box1"], device.GetProperty("identifiers").EnumerateArray().Select(i => i.GetString()));
        Assert.Equal("EdgeMonitor lab/box1", device.GetProperty("name").GetString());
        Assert.Equal("EdgeMonitor", device.GetProperty("manufacturer").GetString());
        Assert.Equal("EdgeMonitor", device.GetProperty("model").GetString());
        Assert.Equal(EdgeMonitor.AppInfo.Version, device.GetProperty("sw_version").GetString());
    }

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public async Task Protocol_5_is_spoken_when_configured()
    {
        using var broker = new MosquittoBroker();
        string prefix = Prefix();
        var config = Config(broker.Port, prefix);
        config.Protocol = EdgeMonitor.Configuration.MqttVersion.V5;
        config.ClientId = $"em-v5-{Guid.NewGuid():N}"[..20];
        var log = new ListSink();
        await using (var reporter = Create(config, TempDir.Create("mqtt"), log))
        {
            reporter.OnStatus(Flips(1).Single());
            WaitRetained(broker, [$"{prefix}/status"], m => m.Count > 0, log);
        }
        // mosquitto logs the protocol of each client: p2 is 3.1.1, p5 is MQTT 5.
        broker.WaitForOutput($"as {config.ClientId} (p5,");
    }

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public async Task Home_assistant_off_publishes_no_discovery()
    {
        using var broker = new MosquittoBroker();
        string prefix = Prefix();
        var config = Config(broker.Port, prefix);
        config.HomeAssistant = false;
        config.DiscoveryPrefix = $"ha{Guid.NewGuid():N}";
        var log = new ListSink();
        await using (var reporter = Create(config, TempDir.Create("mqtt"), log))
        {
            reporter.OnStatus(Flips(1).Single());
            WaitRetained(broker, [$"{prefix}/#"], m => m.Any(x => x.Topic == $"{prefix}/status"), log);
        }
        using var sub = broker.Subscribe([$"{config.DiscoveryPrefix}/#", $"{prefix}/availability"]);
        sub.WaitFor(m => m.Count > 0, "retained availability");
        Assert.DoesNotContain(sub.Messages(), m => m.Topic.StartsWith(config.DiscoveryPrefix, StringComparison.Ordinal));
    }

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public void Last_will_marks_offline_after_the_reporting_process_is_killed()
    {
        using var broker = new MosquittoBroker();
        string prefix = Prefix();
        string dir = TempDir.Create("mqttwill");
        string config = Path.Combine(dir, "c.json");
        File.WriteAllText(config, $$"""
            { "site": "lab", "node": "killed",
              "mqtt": { "host": "127.0.0.1", "port": {{broker.Port}}, "topicPrefix": "{{prefix}}", "keepAliveSeconds": 10 },
              "targets": [ { "profile": "lab", "id": "broker", "kind": "tcp", "host": "127.0.0.1", "port": {{broker.Port}} } ] }
            """);
        using var sub = broker.Subscribe([$"{prefix}/availability", $"{prefix}/status"]);
        using var child = EdgeMonitorCli.Start(["mqtt-test", "--config", config, "--state-dir", Path.Combine(dir, "state")]);
        sub.WaitFor(m => m.Any(x => x.Topic == $"{prefix}/availability" && x.Payload == "online")
            && m.Any(x => x.Topic == $"{prefix}/status"), "online and status from the child process");
        var status = Json(sub.Messages().Last(x => x.Topic == $"{prefix}/status").Payload);
        Assert.Equal("ok", status.GetProperty("overall").GetString());

        child.Signal(Posix.SIGKILL);
        sub.WaitFor(m => m.Any(x => x.Topic == $"{prefix}/availability" && x.Payload == "offline"), "the last will");
        // And it stays retained for whoever asks next.
        using var late = broker.Subscribe([$"{prefix}/availability"]);
        var retained = late.WaitFor(m => m.Count > 0, "retained availability");
        Assert.Equal((true, $"{prefix}/availability", "offline"), retained[0]);
    }

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public async Task Every_transition_arrives_in_order_across_a_broker_outage_and_a_reporter_restart()
    {
        using var broker = new MosquittoBroker();
        string prefix = Prefix();
        string state = TempDir.Create("mqttspool");
        var log = new ListSink();
        // A persistent session: the broker keeps the subscriber's QoS 1 messages across its restart.
        using var sub = broker.Subscribe([$"{prefix}/events"], "-c", "-i", $"sub{Guid.NewGuid():N}"[..20]);
        var changes = Flips(9).ToList();
        var expected = changes.SelectMany(c => c.Transitions).ToList();

        var first = Create(Config(broker.Port, prefix), state, log);
        foreach (var c in changes[..3])
            first.OnStatus(c);
        sub.WaitFor(m => m.Count >= 9, "the first 9 events");

        broker.Stop();
        WaitFor(() => log.Text.Contains("unreachable", StringComparison.Ordinal), "the first reporter finding the broker away", log);
        foreach (var c in changes[3..6])
            first.OnStatus(c);
        await first.DisposeAsync(); // the daemon restarts while the broker is away

        var second = Create(Config(broker.Port, prefix), state, log);
        foreach (var c in changes[6..])
            second.OnStatus(c);
        WaitFor(() => log.Text.Split('\n').Count(l => l.Contains("unreachable", StringComparison.Ordinal)) >= 2,
            "both reporters finding the broker away", log);
        broker.Start();

        var got = sub.WaitFor(m => Distinct(m).Count >= expected.Count, $"{expected.Count} distinct events", 60);
        await second.DisposeAsync();
        var events = Distinct(got);
        output.WriteLine($"{got.Count} messages, {events.Count} distinct events: "
            + string.Join(' ', got.Select(m => Json(m.Payload).GetProperty("seq").GetInt64())));
        Assert.Equal(Enumerable.Range(1, expected.Count).Select(i => (long)i), events.Select(e => e.GetProperty("seq").GetInt64()));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Subject.ToString(), events[i].GetProperty("what").GetString());
            Assert.Equal(EdgeMonitor.Model.StatusOrder.ToName(expected[i].From), events[i].GetProperty("from").GetString());
            Assert.Equal(EdgeMonitor.Model.StatusOrder.ToName(expected[i].To), events[i].GetProperty("to").GetString());
            Assert.Equal(expected[i].Reason.ToCode(), events[i].GetProperty("reason").GetString());
        }
        Assert.Contains("unreachable", log.Text);
        Assert.All(got, m => Assert.False(m.Retained));
    }

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public async Task A_full_spool_drops_the_oldest_events_and_the_status_reports_how_many()
    {
        using var broker = new MosquittoBroker();
        broker.Stop();
        string prefix = Prefix();
        var config = Config(broker.Port, prefix);
        config.SpoolMaxEvents = 4;
        var log = new ListSink();
        string state = TempDir.Create("mqttfull");
        await using var reporter = Create(config, state, log);
        foreach (var c in Flips(4))
            reporter.OnStatus(c); // 12 events while the broker is away
        // The drops are counted durably in the spool's ack file (last acknowledged seq, dropped count).
        string ack = Path.Combine(state, Spool.AckName);
        WaitFor(() => File.Exists(ack) && System.Buffers.Binary.BinaryPrimitives.ReadInt64LittleEndian(File.ReadAllBytes(ack).AsSpan(8)) == 8,
            "8 events dropped from the spool", log);
        broker.Start();

        var seen = WaitRetained(broker, [$"{prefix}/status"], m => m.Count > 0, log);
        var status = Json(seen[0].Payload);
        Assert.Equal(8, status.GetProperty("droppedEvents").GetInt64());
        Assert.Equal("failing", status.GetProperty("overall").GetString()); // the latest status, not a dropped one
    }

    /// <summary>Events by first arrival of each seq (QoS 1 is at least once), checking no seq goes backwards.</summary>
    private static List<JsonElement> Distinct(List<(bool Retained, string Topic, string Payload)> messages)
    {
        var seen = new HashSet<long>();
        var list = new List<JsonElement>();
        foreach (var m in messages)
        {
            var e = Json(m.Payload);
            if (seen.Add(e.GetProperty("seq").GetInt64()))
                list.Add(e);
        }
        return list;
    }

    [RequiresFact("mosquitto", "mosquitto_sub", "mosquitto_pub")]
    public async Task Hostile_commands_are_ignored_and_the_reporter_keeps_working()
    {
        using var broker = new MosquittoBroker();
        string prefix = Prefix();
        var log = new ListSink();
        var control = new RecordingControl();
        string command = $"{prefix}/command";
        // Retained before the reporter subscribes: it arrives flagged retained and must not fire (on every reconnect).
        Pub(broker, command, "-r", "-m", "recheck");
        await using var reporter = Create(Config(broker.Port, prefix), TempDir.Create("mqtt"), log, control);
        reporter.OnStatus(Flips(1).Single());
        using var sub = broker.Subscribe([$"{prefix}/#"]);
        sub.WaitFor(m => m.Any(x => x.Topic == $"{prefix}/status"), "status");
        // The retained command was delivered (and ignored): the command subscription is live.
        WaitFor(() => log.Text.Contains("(retained)", StringComparison.Ordinal), "the retained command ignored", log);

        string junk = Path.Combine(TempDir.Create("junk"), "junk.bin");
        File.WriteAllBytes(junk, [0, 1, 2, 0xff, 0xfe, (byte)'r', (byte)'e', 0, 0x1b, (byte)'[', (byte)'2', (byte)'J']);
        Pub(broker, command, "-m", new string('A', 300));                  // over 256 bytes
        Pub(broker, command, "-m", "recheck" + new string(' ', 250) + "x"); // 258 bytes, starts like a command
        Pub(broker, command, "-f", junk);                                  // binary with NULs and escapes
        Pub(broker, command, "-m", "RECHECK; rm -rf /");
        Pub(broker, command, "-n");                                        // empty
        Pub(broker, command, "-m", "{\"cmd\":\"recheck\"}");
        Pub(broker, command, "-m", "recheck");
        Pub(broker, command, "-m", " identify\n");

        // Delivery is in order on one subscription: once identify (the last) is in, so is everything before it.
        WaitFor(() => control.Calls.Count >= 2, "recheck and identify", log);
        Assert.Equal(["recheck", "identify"], control.Calls);
        Assert.Equal(7, log.Text.Split('\n').Count(l => l.Contains("MQTT command ignored", StringComparison.Ordinal)));
        Assert.Contains("(300 bytes)", log.Text);
        // The monitor logs coalesced re-checks; the command itself only at Debug (a flood must not flood the log).
        Assert.Contains("Debug MQTT command: recheck", log.Text);

        // Still reporting.
        reporter.OnStatus(StatusChangeFromOkToFailing());
        sub.WaitFor(m => m.Any(x => x.Topic == $"{prefix}/events" && x.Payload.Contains("\"to\":\"failing\"", StringComparison.Ordinal)),
            "an event after the hostile commands");
        Pub(broker, command, "-r", "-n"); // clear the retained command
    }

    private static EdgeMonitor.Model.StatusChange StatusChangeFromOkToFailing() =>
        EdgeMonitor.Model.StatusChange.Between(Snapshot(true), Snapshot(false), DateTimeOffset.UtcNow);

    [RequiresFact("mosquitto", "mosquitto_sub")]
    public async Task Tls_with_a_test_ca_connects_verified_and_refuses_a_wrong_ca()
    {
        using var ca = new TestCa("EdgeMonitor MQTT Test CA");
        var (cert, key) = ca.Issue("broker", ["localhost"], ipAddresses: ["127.0.0.1"]);
        int tlsPort = Ports.Free();
        using var broker = new MosquittoBroker(extraListeners: $"""
            listener {tlsPort} 127.0.0.1
            cafile {ca.CertFile}
            certfile {cert}
            keyfile {key}
            """);
        string prefix = Prefix();
        var config = Config(tlsPort, prefix);
        config.Tls = new Configuration.MqttTlsConfig { CaFile = ca.CertFile };
        var log = new ListSink();
        await using (var reporter = Create(config, TempDir.Create("mqtt"), log))
        {
            reporter.OnStatus(Flips(1).Single());
            WaitRetained(broker, [$"{prefix}/status"], m => m.Count > 0, log);
        }

        // A CA that did not sign the broker: no connection, a clear log line, and nothing published.
        using var other = new TestCa("Some Other CA");
        string prefix2 = Prefix();
        var wrong = Config(tlsPort, prefix2);
        wrong.Tls = new Configuration.MqttTlsConfig { CaFile = other.CertFile };
        var log2 = new ListSink();
        await using (var reporter = Create(wrong, TempDir.Create("mqtt"), log2))
        {
            reporter.OnStatus(Flips(1).Single());
            WaitFor(() => log2.Text.Contains("unreachable", StringComparison.Ordinal), "a TLS failure log line", log2);
        }
        Assert.DoesNotContain("MQTT connected", log2.Text);

        // Verification explicitly off (cert_reqs 0): the same wrong CA connects.
        string prefix3 = Prefix();
        var off = Config(tlsPort, prefix3);
        off.Tls = new Configuration.MqttTlsConfig { CaFile = other.CertFile, Verify = false };
        var log3 = new ListSink();
        await using (var reporter = Create(off, TempDir.Create("mqtt"), log3))
        {
            reporter.OnStatus(Flips(1).Single());
            WaitRetained(broker, [$"{prefix3}/status"], m => m.Count > 0, log3);
        }
        using var check = broker.Subscribe([$"{prefix2}/#"]);
        Assert.Empty(check.Messages()); // retained ones would have come before the subscriber's marker
    }

    [RequiresFact("mosquitto", "mosquitto_sub", "mosquitto_passwd")]
    public async Task Password_file_broker_accepts_a_0600_credentials_file_and_a_0644_one_is_refused()
    {
        string dir = TempDir.Create("mqttpw");
        string passwd = Path.Combine(dir, "passwd");
        Sh.Run("mosquitto_passwd", "-b", "-c", passwd, "edge", "s3cret pass");
        using var broker = new MosquittoBroker($"allow_anonymous false\npassword_file {passwd}");
        string creds = Path.Combine(dir, "creds");
        File.WriteAllText(creds, "edge\ns3cret pass\n");
        File.SetUnixFileMode(creds, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string prefix = Prefix();
        var config = Config(broker.Port, prefix);
        config.CredentialsFile = creds;
        var log = new ListSink();
        await using (var reporter = Create(config, TempDir.Create("mqtt"), log))
        {
            reporter.OnStatus(Flips(1).Single());
            using var sub = broker.Subscribe([$"{prefix}/status"], "-u", "edge", "-P", "s3cret pass");
            sub.WaitFor(m => m.Count > 0, "status published with credentials");
        }

        // Wrong password: refused by the broker, said in the log, no crash.
        string bad = Path.Combine(dir, "bad");
        File.WriteAllText(bad, "edge\nwrong\n");
        File.SetUnixFileMode(bad, UnixFileMode.UserRead);
        config.CredentialsFile = bad;
        var log2 = new ListSink();
        await using (var reporter = Create(config, TempDir.Create("mqtt"), log2))
            WaitFor(() => log2.Text.Contains("refused", StringComparison.Ordinal), "a refusal log line", log2);

        // Readable by others: refused before connecting, by the reporter and by config validation.
        File.SetUnixFileMode(creds, (UnixFileMode)0b110_100_100);
        config.CredentialsFile = creds;
        var log3 = new ListSink();
        Assert.Null(MqttReporter.TryCreate(config, "lab", "box1", [Gateway], TempDir.Create("mqtt"), log3.Logger(), new RecordingControl(), TimeProvider.System));
        Assert.Contains("group- or world-readable", log3.Text);
        Assert.Contains("0644", log3.Text);

        string cfg = Path.Combine(dir, "c.json");
        File.WriteAllText(cfg, $$"""
            { "mqtt": { "enabled": true, "host": "127.0.0.1", "port": {{broker.Port}}, "credentialsFile": "{{creds}}" },
              "targets": [ { "profile": "lab", "id": "x", "kind": "tcp", "host": "127.0.0.1", "port": 9 } ] }
            """);
        var (exit, _, stderr) = EdgeMonitorCli.Run(["mqtt-test", "--config", cfg, "--state-dir", Path.Combine(dir, "state"), "--seconds", "1"]);
        Assert.Equal(78, exit);
        Assert.Contains("group- or world-readable", stderr);
    }

    internal static void Pub(MosquittoBroker broker, string topic, params string[] args) =>
        Sh.Run("mosquitto_pub", ["-h", "127.0.0.1", "-p", broker.Port.ToString(), "-q", "1", "-t", topic, .. args]);

    /// <summary>Fresh retained-only subscribers until the retained messages satisfy the condition.</summary>
    internal static List<(bool Retained, string Topic, string Payload)> WaitRetained(MosquittoBroker broker, string[] topics,
        Func<List<(bool Retained, string Topic, string Payload)>, bool> ready, ListSink log)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            // Once the subscriber's marker is in, every retained message of its topics is too.
            using (var sub = broker.Subscribe(topics, "--retained-only"))
            {
                var m = sub.Messages();
                if (ready(m))
                    return m;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"retained messages not there in time; log:\n{log.Text}\nbroker:\n{broker.Output}");
            Thread.Sleep(100);
        }
    }

    internal static void WaitFor(Func<bool> ready, string what, ListSink log)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!ready())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no {what} in time; log:\n{log.Text}");
            Thread.Sleep(50);
        }
    }
}

using System.Buffers.Binary;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EdgeMonitor.Cli;
using EdgeMonitor.Configuration;
using EdgeMonitor.Hosting;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Reporting.Mqtt;
using EdgeMonitor.Tests.Infrastructure;
using Xunit.Abstractions;

namespace EdgeMonitor.Tests.Fuzz;

/// <summary>
/// The fuzz harness (issue 17): mutated configs, NTP replies, DNS replies, state files and spool
/// files thrown at the real parsers. Each input may be refused, only in the documented way (a
/// ConfigException, an ignored reply, a set-aside file), never with any other exception.
/// CI runs the counts below on every change (seconds); EDGEMONITOR_FUZZ_SCALE=N multiplies them
/// for a longer run and EDGEMONITOR_FUZZ_SEED=S repeats one (README "Reliability").
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    private static readonly int Scale = int.TryParse(Environment.GetEnvironmentVariable("EDGEMONITOR_FUZZ_SCALE"), out int s) && s > 0 ? s : 1;
    private static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("EDGEMONITOR_FUZZ_SEED"), out int x) ? x : Random.Shared.Next();

    /// <summary>Runs <paramref name="count"/> cases; every unexpected exception is a crash, reported with the seed and case to repeat it.</summary>
    private void Run(string what, int count, Func<Random, int, string> oneCase)
    {
        var rng = new Random(Seed);
        var crashes = new List<string>();
        for (int i = 0; i < count * Scale; i++)
        {
            string input = "";
            try
            {
                input = oneCase(rng, i);
            }
            catch (Exception e)
            {
                if (crashes.Count < 5)
                    crashes.Add($"case {i}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}\ninput: {Clip(input)}");
                else
                    crashes.Add("");
            }
        }
        output.WriteLine($"fuzz {what}: {count * Scale} cases, {crashes.Count} crashes (seed {Seed})");
        Assert.True(crashes.Count == 0, $"{what}: {crashes.Count} of {count * Scale} cases crashed (EDGEMONITOR_FUZZ_SEED={Seed}):\n"
            + string.Join("\n---\n", crashes.Where(c => c.Length > 0)));
    }

    private static string Clip(string s) => s.Length > 600 ? s[..600] + "..." : s;

    // ---- configs ----

    private static readonly string[] ConfigSeeds =
    [
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Configuration", "testdata", "valid-everything.json")),
        """
        { "site": "hq", "node": "n1", "profiles": [ "cloudtrax-ap", "dt-ccon" ],
          "targets": [ { "id": "a", "kind": "tcp", "host": "127.0.0.1", "port": 9, "profile": "lab", "group": "g" },
                       { "id": "b", "kind": "dns", "host": "x.test", "port": 53, "requirement": "optional" } ],
          "requirements": { "cloudtrax-ap/support-tunnel": "blocked" }, "addressMap": { "x.test": "127.0.0.2" },
          "dns": { "server": "127.0.0.1:53" }, "ntp": { "server": "127.0.0.1:123", "maxOffsetMs": 500 },
          "probe": { "timeoutMs": 2000, "concurrency": 8, "ipv6": "off", "maxAddresses": 2 },
          "monitor": { "intervalSeconds": 30, "intervals": { "ntp": 300 }, "jitter": 0.1 },
          "mqtt": { "enabled": false, "host": "localhost", "port": 1883, "topicPrefix": "edge/x", "discoveryPrefix": "homeassistant" },
          "leds": { "indicators": [ { "source": "overall", "driver": "console" }, { "source": "lab/g", "driver": "console" } ] },
          "logging": { "level": "Debug" } }
        """,
    ];

    private static readonly Func<JsonNode?>[] Values =
    [
        () => null, () => 0, () => -1, () => 1e308, () => 2147483648L, () => 0.5, () => true, () => "",
        () => "\n\u0000\u001b[2J", () => "a/b", () => "#", () => "+", () => new string('a', 300), () => "/dev/zero", () => "/tmp",
        () => "127.0.0.1", () => "::", () => "cloudtrax-ap", () => "tcp", () => new JsonArray(), () => new JsonObject(),
        () => new JsonArray((JsonNode?)null), () => new JsonObject { ["id"] = null }, () => "required", () => "custom",
    ];

    private static JsonNode Pick(JsonNode root, Random rng)
    {
        var all = new List<JsonNode>();
        void Walk(JsonNode? n)
        {
            if (n is null)
                return;
            all.Add(n);
            if (n is JsonObject o)
                foreach (var kv in o) Walk(kv.Value);
            else if (n is JsonArray a)
                foreach (var v in a) Walk(v);
        }
        Walk(root);
        return all[rng.Next(all.Count)];
    }

    /// <summary>A structural change (a value replaced, a key dropped or added, a target duplicated under a joined name) or byte damage.</summary>
    private static string MutateJson(string seed, Random rng)
    {
        if (rng.Next(5) == 0)
            return MutateBytes(Encoding.UTF8.GetBytes(seed), rng) is var b ? Encoding.UTF8.GetString(b) : seed;
        JsonNode root = JsonNode.Parse(seed, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!;
        for (int n = rng.Next(1, 4); n > 0; n--)
        {
            JsonNode node = Pick(root, rng);
            JsonNode? parent = node.Parent;
            switch (rng.Next(4))
            {
                case 0 when parent is JsonObject po:
                    po.Remove(node.GetPropertyName());
                    break;
                case 1 when node is JsonObject o:
                    o[new[] { "unknown", "Site", "profile", "group", "id", "concurency", "nul" }[rng.Next(7)]] = Values[rng.Next(Values.Length)]();
                    break;
                case 2 when node is JsonArray a && a.Count > 0:
                    JsonNode? copy = a[rng.Next(a.Count)]?.DeepClone();
                    if (copy is JsonObject t && t.ContainsKey("id"))
                    {
                        t["profile"] = rng.Next(2) == 0 ? "a/b" : "a";
                        t["group"] = rng.Next(2) == 0 ? "c" : "b/c";
                    }
                    a.Add(copy);
                    break;
                default:
                    if (parent is JsonObject obj)
                        obj[node.GetPropertyName()] = Values[rng.Next(Values.Length)]();
                    else if (parent is JsonArray arr)
                        arr[node.GetElementIndex()] = Values[rng.Next(Values.Length)]();
                    break;
            }
        }
        return root.ToJsonString();
    }

    private static byte[] MutateBytes(byte[] seed, Random rng)
    {
        var b = new List<byte>(seed);
        for (int n = rng.Next(1, 5); n > 0; n--)
        {
            int at = rng.Next(Math.Max(1, b.Count));
            switch (rng.Next(4))
            {
                case 0 when b.Count > 0:
                    b[at] ^= (byte)(1 << rng.Next(8));
                    break;
                case 1 when b.Count > 0:
                    b.RemoveAt(at);
                    break;
                case 2:
                    b.Insert(Math.Min(at, b.Count), (byte)rng.Next(256));
                    break;
                default:
                    if (b.Count > 0)
                        b[at] = (byte)rng.Next(256);
                    break;
            }
        }
        return [.. b];
    }

    [Fact]
    public void Configs_are_loaded_or_refused_with_a_config_error()
    {
        int loaded = 0;
        Run("configs", 2000, (rng, _) =>
        {
            string json = MutateJson(ConfigSeeds[rng.Next(ConfigSeeds.Length)], rng);
            try
            {
                EdgeMonitorConfig c = ConfigLoader.Parse(json, "fuzz.json");
                ConfigLoader.Validate(c, "fuzz.json", ConfigOption.Outputs);
                // What loads must run: targets, a verdict, a change between two verdicts (where colliding keys crashed).
                var setup = MonitorSetup.From(c);
                var snap = StatusEvaluator.Evaluate(setup.Targets, []);
                StatusChange.Between(snap, snap, DateTimeOffset.UnixEpoch);
                loaded++;
            }
            catch (ConfigException e)
            {
                Assert.NotEmpty(e.Errors);
                Assert.DoesNotContain("System.", e.Message);
            }
            return json;
        });
        output.WriteLine($"configs loaded: {loaded}");
    }

    [Fact]
    public void Refused_configs_exit_78_from_the_real_program()
    {
        var rng = new Random(Seed);
        string dir = TempDir.Create("fuzzcli");
        int ran = 0;
        for (int i = 0; ran < 8 && i < 200; i++)
        {
            string json = MutateJson(ConfigSeeds[1], rng);
            try
            {
                ConfigLoader.Validate(ConfigLoader.Parse(json, "x"), "x", ConfigOption.Outputs);
                continue; // loads: `check` would probe; the in-process fuzz covers it
            }
            catch (ConfigException)
            {
            }
            string file = Path.Combine(dir, $"c{i}.json");
            File.WriteAllText(file, json);
            var (exit, _, stderr) = EdgeMonitorCli.Run(["check", "--config", file]);
            Assert.True(exit == 78, $"exit {exit} (seed {Seed}):\n{stderr}\n{json}");
            Assert.Contains("config error", stderr);
            ran++;
        }
        Assert.True(ran > 0, "no refused config was generated");
    }

    // ---- NTP ----

    [Fact]
    public void Ntp_replies_pass_only_when_plausible()
    {
        const ulong origin = 0x0123_4567_89AB_CDEF;
        DateTimeOffset t1 = DateTimeOffset.UtcNow;
        Run("ntp replies", 20000, (rng, i) =>
        {
            ulong t = NtpTime.FromDateTime(t1);
            var good = new NtpPacket(0, 4, 4, 2, 6, -20, 0x100, 0x200, 0x7F000001, t, origin, t, t);
            byte[] bytes = new byte[NtpPacket.Length];
            good.WriteTo(bytes);
            bytes = i % 4 == 0 ? RandomBytes(rng, rng.Next(0, 80)) : MutateBytes(bytes, rng);
            ProbeOutcome? o = NtpProbe.Judge(bytes, origin, t1, t1 + TimeSpan.FromMilliseconds(rng.Next(0, 50)), TimeSpan.FromSeconds(1), out string? why);
            Assert.True(o is not null || why is not null, "an ignored reply says why");
            if (o is { Pass: true })
            {
                Assert.True(NtpPacket.TryParse(bytes, out NtpPacket p));
                Assert.Null(p.Unsynchronized());
                Assert.InRange(p.Stratum, 1, 15);
                Assert.NotEqual(NtpPacket.LeapAlarm, p.Leap);
                Assert.Equal(origin, p.OriginTimestamp);
            }
            return Convert.ToHexString(bytes);
        });
    }

    private static byte[] RandomBytes(Random rng, int n)
    {
        var b = new byte[n];
        rng.NextBytes(b);
        return b;
    }

    // ---- DNS ----

    private static byte[] DnsReply(ReadOnlySpan<byte> qname, ushort id)
    {
        var m = new List<byte>();
        void U16(int v) { m.Add((byte)(v >> 8)); m.Add((byte)v); }
        U16(id); U16(0x8180); U16(1); U16(3); U16(0); U16(0);
        m.AddRange(qname.ToArray()); U16(DnsWire.TypeA); U16(DnsWire.ClassIn);
        // CNAME qname -> b.test, then two A records for b.test (compressed owner names).
        byte[] target = [1, (byte)'b', 4, (byte)'t', (byte)'e', (byte)'s', (byte)'t', 0];
        m.AddRange([0xC0, 12]); U16(DnsWire.TypeCname); U16(DnsWire.ClassIn); U16(0); U16(60); U16(target.Length); int at = m.Count; m.AddRange(target);
        foreach (byte last in (byte[])[1, 2])
        {
            m.AddRange([(byte)(0xC0 | (at >> 8)), (byte)at]); U16(DnsWire.TypeA); U16(DnsWire.ClassIn); U16(0); U16(60); U16(4); m.AddRange([127, 0, 0, last]);
        }
        return [.. m];
    }

    [Fact]
    public void Dns_replies_parse_or_are_refused_without_an_exception()
    {
        byte[] qname = new byte[DnsWire.MaxNameLength];
        int qlen = DnsWire.EncodeName("cloud_ap.cloudtrax.com", qname);
        Assert.True(qlen > 0);
        byte[] q = qname[..qlen];
        byte[] seed = DnsReply(q, 0x4242);
        var control = new List<IPAddress>();
        Assert.Equal(2, DnsWire.ParseReply(seed, 0x4242, q, DnsWire.TypeA, control).AddressCount); // the seed itself is a good answer
        Run("dns replies", 20000, (rng, i) =>
        {
            byte[] msg = i % 5 == 0 ? RandomBytes(rng, rng.Next(0, 600)) : MutateBytes(seed, rng);
            if (i % 5 == 1 && msg.Length > 2)
                msg[^1] = 0xC0; // a pointer at the very end
            var addresses = new List<IPAddress>();
            DnsReply r = DnsWire.ParseReply(msg, 0x4242, q, DnsWire.TypeA, addresses);
            Assert.True(addresses.Count <= msg.Length / 4, "more addresses than the reply could hold");
            _ = r.Kind;
            return Convert.ToHexString(msg);
        });
    }

    // ---- state files ----

    private static StatusSnapshot Fresh()
    {
        var t = new Target("lab", "api", "tcp", "127.0.0.1", 1, Requirement.Required, Role.Primary, "api", "n");
        var u = new Target("lab", "web", "tls", "127.0.0.1", 2, Requirement.Optional, Role.Primary, "web", "n");
        var r = new ProbeResult(t, Family.IPv4, "127.0.0.1:1", false, Reason.TcpRefused, "refused", 0.3, Requirement.Required, DateTimeOffset.UnixEpoch);
        return StatusEvaluator.Evaluate([t, u], [r]);
    }

    [Fact]
    public void State_files_load_or_are_set_aside_and_never_break_the_next_change()
    {
        StatusSnapshot fresh = Fresh();
        string seed = StateFile.Render(fresh, DateTimeOffset.UnixEpoch, 3);
        string dir = TempDir.Create("fuzzstate");
        string path = Path.Combine(dir, StateFile.FileName);
        Run("state files", 1500, (rng, _) =>
        {
            string json = MutateJson(seed, rng);
            File.WriteAllText(path, json);
            StatusSnapshot? loaded = StateFile.Load(path, out string? error);
            if (loaded is null)
            {
                Assert.NotNull(error);
                Assert.False(File.Exists(path), "a refused state file is set aside");
            }
            else
            {
                StatusChange.Between(loaded, fresh, DateTimeOffset.UnixEpoch);
                StatusChange.Between(fresh, loaded, DateTimeOffset.UnixEpoch);
            }
            return json;
        });
    }

    // ---- spool files ----

    [Fact]
    public void Spool_files_open_whatever_damage_they_carry()
    {
        string seedDir = TempDir.Create("fuzzspool");
        using (var s = new Spool(seedDir, 1000, 1 << 20))
        {
            for (int i = 0; i < 20; i++)
                s.Append("p/events", seq => Encoding.UTF8.GetBytes($"{{\"seq\":{seq}}}"));
            s.Acknowledge(5);
            s.SaveAck();
        }
        byte[] log = File.ReadAllBytes(Path.Combine(seedDir, Spool.LogName));
        byte[] ack = File.ReadAllBytes(Path.Combine(seedDir, Spool.AckName));
        Run("spool files", 100, (rng, i) =>
        {
            string dir = TempDir.Create("fuzzspool");
            byte[] l = MutateBytes(log, rng);
            File.WriteAllBytes(Path.Combine(dir, Spool.LogName), l);
            File.WriteAllBytes(Path.Combine(dir, Spool.AckName), i % 3 == 0 ? MutateBytes(ack, rng) : ack);
            using (var s = new Spool(dir, 1000, 1 << 20))
            {
                long[] seqs = [.. s.Pending.Select(r => r.Seq)];
                Assert.True(seqs.Zip(seqs.Skip(1)).All(p => p.First < p.Second), "pending records in order");
                Assert.True(s.Dropped >= 0);
                long next = s.Append("p/events", seq => [1])!.Seq;
                Assert.True(seqs.Length == 0 || next > seqs[^1], "a new record never reuses a number");
            }
            Directory.Delete(dir, recursive: true);
            return Convert.ToHexString(l);
        });
    }
    // ---- MQTT commands ----

    /// <summary>
    /// Hostile payloads on the command topic through the real command handler, cut as the
    /// connection cuts them (over 256 bytes: only the length is kept): exactly `recheck` or
    /// `identify` with surrounding whitespace, not retained, acts; everything else is one
    /// "ignored" warning without a control character; nothing throws (a caught exception is a crash too).
    /// </summary>
    [Fact]
    public void Mqtt_commands_act_only_when_exact_and_everything_else_is_one_clean_warning()
    {
        string[] words = ["recheck", "identify", "RECHECK", "re check", "recheck\0", "{\"cmd\":\"recheck\"}", "identify; rm -rf /", ""];
        string[] spaces = ["", " ", "\n", "\t", "\r\n", "\u00a0", "\u2003", "\0", "\u001b[2J", "\u200b"];
        var events = new List<Serilog.Events.LogEvent>();
        var log = new Serilog.LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(new Collect(events)).CreateLogger();
        var control = new CountingControl();
        var commands = new MqttCommands(control, log);
        Run("MQTT commands", 20_000, (rng, _) =>
        {
            byte[] payload = rng.Next(4) switch
            {
                0 => MutateBytes(Encoding.UTF8.GetBytes(words[rng.Next(words.Length)]), rng),
                1 => RandomBytes(rng, rng.Next(0, 400)),
                _ => Encoding.UTF8.GetBytes(spaces[rng.Next(spaces.Length)] + words[rng.Next(words.Length)] + spaces[rng.Next(spaces.Length)]
                    + (rng.Next(8) == 0 ? new string(' ', rng.Next(200, 300)) : "")),
            };
            bool retained = rng.Next(10) == 0;
            var input = new CommandInput(1, "edgemonitor/lab/box/command", payload.Length <= MqttCommands.MaxPayload ? payload : null,
                payload.Length, retained);
            events.Clear();
            var (rechecks, identifies) = (control.Rechecks, control.Identifies);
            commands.Handle(input);

            string? word = input.Payload is { } p && !retained ? Encoding.UTF8.GetString(p).Trim() : null;
            Assert.Equal(rechecks + (word == "recheck" ? 1 : 0), control.Rechecks);
            Assert.Equal(identifies + (word == "identify" ? 1 : 0), control.Identifies);
            var line = Assert.Single(events);
            Assert.NotEqual(Serilog.Events.LogEventLevel.Error, line.Level); // the handler's catch: a crash swallowed
            string text = line.RenderMessage();
            Assert.False(text.Any(char.IsControl), $"control character in the log line: {text}");
            if (word is not ("recheck" or "identify"))
                Assert.Contains("MQTT command ignored", text);
            return Convert.ToHexString(payload);
        });
    }

    private sealed class Collect(List<Serilog.Events.LogEvent> into) : Serilog.Core.ILogEventSink
    {
        public void Emit(Serilog.Events.LogEvent e) => into.Add(e);
    }

    private sealed class CountingControl : IMonitorControl
    {
        public int Rechecks { get; private set; }
        public int Identifies { get; private set; }

        public void RecheckNow(string why) => Rechecks++;

        public void Identify(TimeSpan duration) => Identifies++;
    }
}

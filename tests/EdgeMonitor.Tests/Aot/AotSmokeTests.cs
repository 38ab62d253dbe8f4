using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;
using EdgeMonitor.Tests.Lab;

namespace EdgeMonitor.Tests.Aot;

/// <summary>The linux-x64 binary, run natively.</summary>
[Collection(AotCollection.Name)]
public sealed class X64AotSmokeTests(AotBinaries binaries) : AotSmokeTests(binaries.X64);

/// <summary>The linux-arm64 binary (the Pi's), run under qemu-user with the arm64 libraries of Debian multiarch.</summary>
[Collection(AotCollection.Name)]
public sealed class Arm64AotSmokeTests(AotBinaries binaries) : AotSmokeTests(binaries.Arm64);

/// <summary>
/// The shipped artefacts, not the JIT build: each trimmed NativeAOT binary (published once per
/// run, see <see cref="AotBinary"/>) runs its verbs against real servers. Catches what only
/// trimming, AOT and the target CPU break: source-generated JSON, the embedded default config,
/// interop, the OpenSSL trust/SNI/ALPN paths. Probe timeouts are sized for emulation (qemu-user
/// makes a TLS handshake take seconds); nothing here asserts a duration.
/// </summary>
public abstract class AotSmokeTests(AotBinary aot)
{
    /// <summary>Size budget of one binary on the board's storage (the issue's 10 MB).</summary>
    private const long MaxBytes = 10 * 1024 * 1024;

    [Fact]
    public void Binary_is_native_for_its_cpu_small_and_prints_its_version()
    {
        byte[] head = new byte[20];
        using (var f = File.OpenRead(aot.Path))
            f.ReadExactly(head);
        Assert.Equal(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, head[..4]);
        // e_machine (little-endian, offset 18): 62 x86-64, 183 AArch64.
        int machine = head[18] | head[19] << 8;
        Assert.Equal(aot.ElfMachine, machine switch { 62 => "X86-64", 183 => "AArch64", _ => $"e_machine {machine}" });
        long size = new FileInfo(aot.Path).Length;
        Assert.True(size <= MaxBytes, $"{aot.Rid} binary is {size} bytes, over the {MaxBytes} budget");
        Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(aot.Path)!, "edgemonitor.dll")), "a managed assembly beside the binary: not a single-file AOT publish");

        var (exit, stdout, stderr) = aot.Run(["--version"]);
        Assert.True(exit == 0, $"exit {exit}: {stdout}{stderr}");
        Assert.Equal($"edgemonitor {EdgeMonitor.Cli.Verbs.Version}", stdout.Trim());

        var help = aot.Run(["--help"]);
        Assert.Equal(0, help.Exit);
        foreach (var verb in EdgeMonitor.Cli.Verbs.All)
            Assert.Contains(verb.Name, help.Stdout);
    }

    [Fact]
    public void Check_reports_pass_refused_and_mapped_targets_as_json()
    {
        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        int openPort = ((IPEndPoint)open.LocalEndpoint).Port;
        int closedPort = Ports.Free();
        string dir = TempDir.Create("aotcheck");
        string config = Path.Combine(dir, "edgemonitor.json");
        // A vendor name mapped to the loopback listener: no DNS, no traffic off the machine.
        File.WriteAllText(config, $$"""
            // comments and trailing commas: the source-generated reader must accept them under AOT too
            { "site": "aot-smoke",
              "probe": { "timeoutMs": 15000, "ipv6": "off" },
              "addressMap": { "cloud_ap.cloudtrax.com:443": "127.0.0.1:{{openPort}}" },
              "targets": [
                { "id": "open", "kind": "tcp", "host": "127.0.0.1", "port": {{openPort}} },
                { "id": "mapped", "kind": "tcp", "host": "cloud_ap.cloudtrax.com", "port": 443 },
                { "id": "closed", "kind": "tcp", "host": "127.0.0.1", "port": {{closedPort}} },
                { "id": "must-be-blocked", "kind": "blocked", "host": "127.0.0.1", "port": {{closedPort}}, "requirement": "blocked" },
              ] }
            """);

        var (exit, stdout, stderr) = aot.Run(["check", "--config", config, "--json"]);

        Assert.True(exit == 2, $"exit {exit} (want 2, failing):\n{stdout}\n{stderr}");
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal("failing", doc.RootElement.GetProperty("overall").GetString());
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToDictionary(
            r => r.GetProperty("target").GetString()!,
            r => (Outcome: r.GetProperty("outcome").GetString(), Reason: r.GetProperty("reason").GetString(),
                  Address: r.GetProperty("address").ValueKind == JsonValueKind.Null ? null : r.GetProperty("address").GetString()));
        Assert.Equal(4, results.Count);
        Assert.Equal(("pass", "ok"), (results["open"].Outcome, results["open"].Reason));
        Assert.Equal(("pass", "ok", $"127.0.0.1:{openPort}"), results["mapped"]);
        Assert.Equal(("fail", "tcp_refused"), (results["closed"].Outcome, results["closed"].Reason));
        Assert.Equal(("pass", "ok"), (results["must-be-blocked"].Outcome, results["must-be-blocked"].Reason));
    }

    [Fact]
    public void Bad_config_is_a_clear_error_not_a_crash()
    {
        string dir = TempDir.Create("aotbad");
        string config = Path.Combine(dir, "bad.json");
        File.WriteAllText(config, """{ "targets": [ { "id": "x", "kind": "tcp", "host": "127.0.0.1", "port": 1 } ], "noSuchKey": 1 }""");
        var (exit, stdout, stderr) = aot.Run(["check", "--config", config]);
        Assert.True(exit == 78, $"exit {exit} (want 78):\n{stdout}\n{stderr}");
        Assert.Contains("noSuchKey", stderr);
    }

    /// <summary>The embedded default (every built-in profile, unmapped) in a namespace with only loopback: nothing leaves the machine.</summary>
    [RootFact]
    public void Embedded_default_runs_in_an_isolated_namespace()
    {
        using var ns = new NetNs("emaot");
        var (exit, stdout, stderr) = aot.Run(["check", "--json"], wrapIn: ["ip", .. ns.Wrap()], within: TimeSpan.FromMinutes(5));
        Assert.True(exit == 2, $"exit {exit} (want 2: nothing reachable):\n{stdout}\n{stderr}");
        using var doc = JsonDocument.Parse(stdout);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.NotEmpty(results);
        Assert.NotEmpty(doc.RootElement.GetProperty("profiles").EnumerateArray());
        Assert.All(results.Where(r => r.GetProperty("requirement").GetString() != "blocked"),
            r => Assert.Equal("fail", r.GetProperty("outcome").GetString()));
        // Nothing answered at all: blamed once on the uplink, not on each endpoint.
        Assert.Equal("uplink_down", doc.RootElement.GetProperty("reason").GetString());
    }

    /// <summary>
    /// Every built-in profile against real servers (the firewall lab: nginx TLS and HTTP under a
    /// lab CA, dnsmasq, chronyd, sshd banners) in namespaces: with the open policy every result
    /// passes (every name resolved by the lab's dnsmasq); behind a TLS-inspecting proxy with a
    /// rogue CA the TLS targets are intercepted. 12 s probe timeout and 8 probes in flight:
    /// enough for TLS handshakes under emulation.
    /// </summary>
    [LabFact("nft", "dnsmasq", "nginx", "chronyd", "mosquitto", "openssl", "jq", "perl")]
    public void Check_against_real_servers_classifies_open_and_intercepted()
    {
        const string Marker = "--- next policy ---";
        string script = $$"""
            set -e
            . '{{Path.Combine(AotBinary.RepoRoot(), "scripts", "lab", "lab.sh")}}'
            trap lab_down EXIT
            lab_up >&2
            jq '.probe.timeoutMs = 12000 | .probe.concurrency = 8' "$RUN/edgemonitor.json" >"$RUN/emulated.json"
            mv "$RUN/emulated.json" "$RUN/edgemonitor.json"
            lab_apply open >&2
            lab_check || true
            echo '{{Marker}}'
            lab_apply tls-proxy >&2
            lab_check || true
            """;
        var (exit, stdout, stderr) = Sh.Capture("bash", ["-c", script], TimeSpan.FromMinutes(8),
        [
            new("EDGEMONITOR", string.Join(' ', aot.Command())), new("LAB_MODE", "check"),
            new("LAB_ID", $"a{Environment.ProcessId % 10000}{char.ToLowerInvariant(aot.ElfMachine[0])}"),
        ]);
        Assert.True(exit == 0, $"lab exited {exit}:\n{stdout}\n{stderr}");
        string[] parts = stdout.Split(Marker);
        Assert.Equal(2, parts.Length);

        using var open = JsonDocument.Parse(parts[0]);
        Assert.Equal("ok", open.RootElement.GetProperty("overall").GetString());
        var results = open.RootElement.GetProperty("results").EnumerateArray().ToList();
        Assert.All(results, r => Assert.True(r.GetProperty("outcome").GetString() == "pass", $"open policy: {r}"));
        foreach (string kind in new[] { "tls", "http", "ntp", "tcp" })
            Assert.Contains(results, r => r.GetProperty("kind").GetString() == kind);
        // Every target of every built-in profile was probed.
        var targets = results.Select(r => $"{r.GetProperty("profile").GetString()}/{r.GetProperty("target").GetString()}").ToHashSet();
        using var profiles = JsonDocument.Parse(aot.Run(["profiles", "--json"]).Stdout);
        foreach (var p in profiles.RootElement.GetProperty("profiles").EnumerateArray())
        {
            foreach (var t in p.GetProperty("targets").EnumerateArray())
                Assert.Contains($"{p.GetProperty("name").GetString()}/{t.GetProperty("id").GetString()}", targets);
        }

        using var proxied = JsonDocument.Parse(parts[1]);
        Assert.Equal("failing", proxied.RootElement.GetProperty("overall").GetString());
        var tls = proxied.RootElement.GetProperty("results").EnumerateArray().Where(r => r.GetProperty("kind").GetString() == "tls").ToList();
        Assert.NotEmpty(tls);
        Assert.Contains(tls, r => r.GetProperty("reason").GetString() == "tls_intercepted");
    }

    /// <summary>
    /// The daemon under AOT: a few cycles against loopback targets, status to a real mosquitto,
    /// LEDs through the LED class driver on a fake sysfs tree, READY over NOTIFY_SOCKET, clean
    /// stop on SIGTERM.
    /// </summary>
    [Fact]
    public void Run_reports_over_mqtt_drives_leds_and_stops_cleanly()
    {
        var help = aot.Run(["--help"]);
        Assert.Contains("run", help.Stdout);

        string dir = TempDir.Create("aotrun");
        int mqttPort = Ports.Free();
        string mosquittoConf = Path.Combine(dir, "mosquitto.conf");
        File.WriteAllText(mosquittoConf, $"listener {mqttPort} 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\n");
        using var broker = ServerProcess.Start(RequiresFactAttribute.Which("mosquitto") ?? "mosquitto", ["-c", mosquittoConf]);
        broker.WaitForTcp(new IPEndPoint(IPAddress.Loopback, mqttPort));

        string sysfs = Path.Combine(dir, "sys");
        foreach (string led in new[] { "em:green", "em:amber", "em:red" })
        {
            string d = Path.Combine(sysfs, "class", "leds", led);
            Directory.CreateDirectory(d);
            File.WriteAllText(Path.Combine(d, "brightness"), "0\n");
            File.WriteAllText(Path.Combine(d, "max_brightness"), "1\n");
            File.WriteAllText(Path.Combine(d, "trigger"), "[none] timer heartbeat\n");
        }

        using var open = new TcpListener(IPAddress.Loopback, 0);
        open.Start();
        int openPort = ((IPEndPoint)open.LocalEndpoint).Port;
        int closedPort = Ports.Free();
        string config = Path.Combine(dir, "edgemonitor.json");
        File.WriteAllText(config, $$"""
            { "site": "aot-smoke", "node": "aot-node",
              "probe": { "timeoutMs": 2000, "ipv6": "off" },
              "monitor": { "intervalSeconds": 1, "jitter": 0, "failuresToFail": 1, "successesToRecover": 1 },
              "targets": [
                { "id": "open", "kind": "tcp", "host": "127.0.0.1", "port": {{openPort}} },
                { "id": "closed", "kind": "tcp", "host": "127.0.0.1", "port": {{closedPort}} } ],
              "mqtt": { "enabled": true, "host": "127.0.0.1", "port": {{mqttPort}}, "topicPrefix": "edgemonitor/aot" },
              "leds": { "sysfsRoot": "{{sysfs}}",
                        "indicators": [ { "source": "overall", "driver": "ledclass", "green": "em:green", "amber": "em:amber", "red": "em:red" } ] } }
            """);

        string notifyPath = Path.Combine(dir, "notify.sock");
        using var notify = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        notify.Bind(new UnixDomainSocketEndPoint(notifyPath));
        notify.ReceiveTimeout = 500;

        string stateDir = Path.Combine(dir, "state");
        string[] command = aot.Command("run", "--config", config, "--state-dir", stateDir);
        using var daemon = ServerProcess.Start(command[0], command[1..],
            env: new Dictionary<string, string> { ["NOTIFY_SOCKET"] = notifyPath });

        var notices = new StringBuilder();
        daemon.WaitFor(() =>
        {
            byte[] buf = new byte[4096];
            try
            {
                int n = notify.Receive(buf);
                notices.Append(Encoding.UTF8.GetString(buf, 0, n)).Append('\n');
            }
            catch (SocketException)
            {
            }
            return notices.ToString().Contains("READY=1");
        }, "READY=1 on NOTIFY_SOCKET", TimeSpan.FromSeconds(90));

        // One closed required target: the overall status is failing, in the retained MQTT status
        // and on the red LED (failing = red fast blink: the kernel's timer trigger).
        string? retained = null;
        broker.WaitFor(() =>
        {
            try
            {
                retained = Sh.Run("mosquitto_sub", "-h", "127.0.0.1", "-p", $"{mqttPort}", "-t", "edgemonitor/aot/status", "-C", "1", "-W", "3");
                using var doc = JsonDocument.Parse(retained);
                return doc.RootElement.GetProperty("overall").GetString() == "failing";
            }
            catch (Exception e) when (e is InvalidOperationException or JsonException or KeyNotFoundException)
            {
                return false;
            }
        }, "a retained failing status on edgemonitor/aot/status", TimeSpan.FromSeconds(60));
        Assert.Contains("tcp_refused", retained);
        string leds = Path.Combine(sysfs, "class", "leds");
        bool Lit(string led) => File.ReadAllText(Path.Combine(leds, led, "trigger")).Trim() is "timer" or "[timer]"
            || File.ReadAllText(Path.Combine(leds, led, "brightness")).Trim() is not ("0" or "");
        daemon.WaitFor(() => Lit("em:red"), "the red LED lit or blinking", TimeSpan.FromSeconds(60));
        Assert.False(Lit("em:green"), "green lit while failing");
        // The state file says the same, with the reason on the failing target.
        string statusJson = Path.Combine(stateDir, "status.json");
        daemon.WaitFor(() => File.Exists(statusJson) && File.ReadAllText(statusJson).Contains("tcp_refused"), "status.json with tcp_refused");

        daemon.Signal(Posix.SIGTERM);
        Assert.True(daemon.Process.WaitForExit(30_000), $"no exit within 30 s of SIGTERM:\n{daemon.Output}");
        Assert.True(daemon.Process.ExitCode == 0, $"exit {daemon.Process.ExitCode}:\n{daemon.Output}");
    }
}

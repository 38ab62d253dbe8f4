using EdgeMonitor.Cli;
using EdgeMonitor.Configuration;
using EdgeMonitor.Hosting;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Daemon;
using EdgeMonitor.Tests.Infrastructure;
using EdgeMonitor.Tests.Reporting;
using Serilog;

namespace EdgeMonitor.Tests.ConfigFiles;

/// <summary>Issue 17's broken configs, files and peers: a clear error (exit 78 with the path) or a set-aside file, never a crash.</summary>
public sealed class HostileInputTests
{
    private static string Write(string json, string name = "c.json")
    {
        string file = Path.Combine(TempDir.Create("hostile"), name);
        File.WriteAllText(file, json);
        return file;
    }

    private static ConfigException Refused(string json) => Assert.Throws<ConfigException>(() => ConfigOption.Load(Write(json)));

    // Every null the trial found crashing (26 paths; these cover each kind: section, list, list item, string, nested item).
    [Theory]
    [InlineData("""{ "dns": null }""", "$.dns")]
    [InlineData("""{ "profiles": null }""", "$.profiles")]
    [InlineData("""{ "targets": [ null ] }""", "$.targets[0]")]
    [InlineData("""{ "profiles": [ null ] }""", "$.profiles[0]")]
    [InlineData("""{ "mqtt": { "discoveryPrefix": null } }""", "$.mqtt.discoveryPrefix")]
    [InlineData("""{ "leds": { "indicators": [ { "source": null } ] } }""", "$.leds.indicators[0].source")]
    [InlineData("""{ "requirements": { "cloudtrax-ap/x": null } }""", "$.requirements.cloudtrax-ap/x")]
    [InlineData("""{ "site": null }""", "$.site")]
    [InlineData("null", "$")]
    public void A_null_is_a_config_error_at_its_path(string json, string path)
    {
        ConfigException e = Refused(json);
        Assert.Contains(e.Errors, x => x.Path == path);
        Assert.Contains("null", e.Message);
    }

    [Fact]
    public void Custom_names_that_would_join_into_the_same_group_key_are_refused_at_load()
    {
        ConfigException e = Refused("""
            { "targets": [
              { "id": "x", "kind": "tcp", "host": "127.0.0.1", "port": 9, "profile": "a/b", "group": "c" },
              { "id": "y", "kind": "tcp", "host": "127.0.0.1", "port": 9, "profile": "a", "group": "b/c" } ] }
            """);
        Assert.Contains(e.Errors, x => x.Path == "$.targets[0].profile" && x.Message.Contains("'/'"));
        Assert.Contains(e.Errors, x => x.Path == "$.targets[1].group");
    }

    [Fact]
    public void A_longer_spelling_of_a_key_is_pointed_at_the_key()
    {
        // Too far apart by edits for the distance rule, plainly meant: found while writing a config.
        ConfigException e = Refused("""{ "nodeName": "edge1", "probe": { "timeout": 2000 } }""");
        Assert.Contains("unknown key 'nodeName' (did you mean 'node'?)", e.Message);
        Assert.Contains("unknown key 'timeout' (did you mean 'timeoutMs'?)", e.Message);
    }

    [Fact]
    public void Every_error_is_listed_at_once_in_plain_words_with_did_you_mean()
    {
        ConfigException e = Refused("""{ "sitee": "x", "probe": { "timeoutMs": "fast", "concurency": 3 }, "mqtt": { "port": 1.5 } }""");
        Assert.Equal(4, e.Errors.Count);
        Assert.Contains("unknown key 'sitee' (did you mean 'site'?)", e.Message);
        Assert.Contains("unknown key 'concurency' (did you mean 'concurrency'?)", e.Message);
        Assert.Contains("$.probe.timeoutMs: must be a whole number", e.Message);
        Assert.Contains("$.mqtt.port: must be a whole number", e.Message);
        foreach (string dotnet in (string[])["System.", ".NET", "isFinalBlock", "could not be mapped", "Int32"])
            Assert.DoesNotContain(dotnet, e.Message);

        ConfigException values = Refused("""{ "profiles": [ "cloudtrax-aps" ], "probe": { "timeoutMs": 5 }, "monitor": { "jitter": 2 } }""");
        Assert.Equal(3, values.Errors.Count);
        Assert.Contains("did you mean 'cloudtrax-ap'?", values.Message);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("{ \"site\": ", "ends before")]
    [InlineData("{ \"site\": \"x\" ", "ends before")]
    [InlineData("[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "nested too deeply")]
    public void Broken_json_says_so_without_dotnet_words(string json, string says)
    {
        ConfigException e = Refused(json);
        Assert.Contains(says, e.Message);
        Assert.DoesNotContain("isFinalBlock", e.Message);
    }

    [Fact]
    public void No_profiles_and_no_targets_is_an_error_not_an_unknown_verdict()
    {
        string file = Write("""{ "profiles": [] }""");
        EdgeMonitorConfig c = ConfigOption.Load(file); // loads: `leds` needs no targets
        ConfigException e = Assert.Throws<ConfigException>(() => TargetCatalog.Build(c, file));
        Assert.Equal("$.profiles", e.JsonPath);
        Assert.Contains("nothing to check", e.Message);
        var (exit, stdout, stderr) = EdgeMonitorCli.Run(["check", "--config", file]);
        Assert.Equal(78, exit);
        Assert.Contains("nothing to check", stderr);
        Assert.DoesNotContain("overall: unknown", stdout);
    }

    [Fact]
    public void A_directory_a_device_and_a_fifo_are_refused_by_type_without_hanging_or_filling_memory()
    {
        string dir = TempDir.Create("types");
        Assert.Contains("is a directory", Assert.Throws<ConfigException>(() => ConfigOption.Load(dir)).Message);
        Assert.Contains("'/dev/zero'", Assert.Throws<ConfigException>(() => ConfigOption.Load("/dev/zero")).Message);
        string fifo = Path.Combine(dir, "fifo");
        Assert.Equal(0, Sh.Capture("mkfifo", [fifo], TimeSpan.FromSeconds(10)).Exit);
        Assert.Contains("not a regular file", Assert.Throws<ConfigException>(() => ConfigOption.Load(fifo)).Message);
        // A CA file the config names gets the same checks.
        ConfigException ca = Refused($$"""{ "profiles": [ "cloudtrax-ap" ], "tls": { "extraCaFile": "{{fifo}}" } }""");
        Assert.Equal("$.tls.extraCaFile", ca.JsonPath);
        string big = Path.Combine(dir, "big.json");
        File.WriteAllText(big, "{ \"site\": \"" + new string('x', (int)BoundedFile.ConfigMaxBytes) + "\" }");
        Assert.Contains("more than the", Assert.Throws<ConfigException>(() => ConfigOption.Load(big)).Message);
    }

    [Fact]
    public void Check_exits_78_with_every_path_on_stderr()
    {
        var (exit, _, stderr) = EdgeMonitorCli.Run(["check", "--config", Write("""{ "dns": null, "targets": [ null ] }""")]);
        Assert.Equal(78, exit);
        Assert.Contains("$.dns", stderr);
        Assert.Contains("$.targets[0]", stderr);
        Assert.DoesNotContain("Exception", stderr);
    }

    [Theory]
    [InlineData("""{ "overall": "ok", "reason": "", "profiles": [ { "name": "p", "status": "ok" }, { "name": "p", "status": "ok" } ], "groups": [] }""", "twice")]
    [InlineData("""{ "overall": "ok", "reason": "", "profiles": [ { "name": null, "status": "ok" } ], "groups": [] }""", "name")]
    [InlineData("""{ "overall": "ok", "reason": "", "profiles": [], "groups": [ { "profile": "a", "id": "b", "status": "ok", "reason": "", "detail": "" }, { "profile": "a", "id": "b", "status": "ok", "reason": "", "detail": "" } ] }""", "twice")]
    [InlineData("""{ "overall": "fine", "reason": "", "profiles": [], "groups": [] }""", "fine")]
    [InlineData("""[ 1, 2 ]""", "")]
    public void A_bad_state_file_is_set_aside_with_a_reason(string json, string says)
    {
        string path = Path.Combine(TempDir.Create("state"), StateFile.FileName);
        File.WriteAllText(path, json);
        Assert.Null(StateFile.Load(path, out string? error));
        Assert.Contains(says, error);
        Assert.Contains("set aside", error);
        Assert.False(File.Exists(path));
        Assert.Equal(json, File.ReadAllText(path + ".bad"));
        Assert.Null(StateFile.Load(path, out error)); // the next start finds nothing to trip on
        Assert.Null(error);
    }

    [Fact]
    public void An_oversized_state_file_is_refused_before_it_is_read()
    {
        string path = Path.Combine(TempDir.Create("state"), StateFile.FileName);
        using (var f = File.Create(path))
            f.SetLength(BoundedFile.StateMaxBytes + 1);
        Assert.Null(StateFile.Load(path, out string? error));
        Assert.Contains("more than the", error);
    }

    [Fact]
    public void The_daemon_starts_over_a_state_file_with_duplicate_groups_and_sets_it_aside()
    {
        using var listener = new AcceptingListener();
        using var daemon = new DaemonHarness($$"""
            { "targets": [ { "id": "api", "kind": "tcp", "host": "127.0.0.1", "port": {{listener.Port}} } ],
              "monitor": { "intervalSeconds": 2, "failuresToFail": 1, "successesToRecover": 1 } }
            """);
        Directory.CreateDirectory(daemon.StateDir);
        File.WriteAllText(daemon.StatusPath, """
            { "overall": "ok", "reason": "", "profiles": [ { "name": "custom", "status": "ok" } ],
              "groups": [ { "profile": "custom", "id": "api", "status": "ok", "reason": "", "detail": "" },
                          { "profile": "custom", "id": "api", "status": "ok", "reason": "", "detail": "" } ] }
            """);
        daemon.Start();
        daemon.WaitForStatus(s => DaemonHarness.Overall(s) == "ok" && s.TryGetProperty("stale", out var stale) && !stale.GetBoolean(), "a fresh ok verdict");
        // SIGHUP with a file full of nulls: said in the log, the running configuration stays.
        File.WriteAllText(daemon.ConfigPath, """{ "dns": null, "targets": [ null ] }""");
        daemon.Process!.Signal(Posix.SIGHUP);
        daemon.Process.WaitForOutput("reload failed");
        Assert.Contains("$.targets[0]", daemon.Process.Output);
        Assert.False(daemon.Process.HasExited);
        Assert.Equal(0, daemon.Terminate());
        Assert.Contains("set aside", daemon.Process!.Output);
        Assert.True(File.Exists(daemon.StatusPath + ".bad"));
    }

    [Fact]
    public void Control_characters_from_a_peer_are_escaped_in_every_log_line()
    {
        var sink = new ListSink();
        var log = new LoggerConfiguration().Enrich.With(new ControlCharacterEscaper()).WriteTo.Sink(sink).CreateLogger();
        log.Warning("TLS {Target}: {Detail}", "lab/api", "subject 'CN=x\n2026-11-30T00:00:00 INF all good\u001b[2J'");
        log.Information("banner {Banners}", new List<string> { "SSH-2.0\r\nforged" });
        string text = sink.Text;
        Assert.Equal(2, text.Split('\n').Length); // two events, two lines: nothing forged
        Assert.Contains(@"CN=x\n2026-11-30T00:00:00 INF all good\u001b[2J", text);
        Assert.Contains(@"SSH-2.0\r\nforged", text);
        Assert.Equal("plain text", LogText.Escape("plain text"));
    }
}

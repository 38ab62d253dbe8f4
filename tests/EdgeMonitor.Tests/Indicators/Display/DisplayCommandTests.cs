using EdgeMonitor.Net;
using EdgeMonitor.Tests.Daemon;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Indicators.Display;

/// <summary>`edgemonitor display test` and `run` with a display that is not there, as real processes.</summary>
public sealed class DisplayCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("edgemonitor-display").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Config(string display)
    {
        string path = Path.Combine(_dir, "config.json");
        File.WriteAllText(path, $$"""{ "site": "lab", "display": {{display}} }""");
        return path;
    }

    [Fact]
    public void Help_and_usage_errors_exit_as_every_verb_does()
    {
        var (exit, stdout, _) = EdgeMonitorCli.Run(["display", "--help"]);
        Assert.Equal(0, exit);
        Assert.Contains("usage: edgemonitor display", stdout);
        (exit, _, string err) = EdgeMonitorCli.Run(["display", "--config", Config("""{ "kind": "hd44780-16x2" }""")]);
        Assert.Equal(64, exit);
        Assert.Contains("give test", err);
        (exit, _, err) = EdgeMonitorCli.Run(["display", "test", "--seconds", "x"]);
        Assert.Equal(64, exit);
    }

    [Fact]
    public void A_display_that_is_off_is_a_config_error()
    {
        var (exit, _, err) = EdgeMonitorCli.Run(["display", "--config", Config("""{ "kind": "off" }"""), "--state-dir", _dir, "test"]);
        Assert.Equal(78, exit);
        Assert.Contains("$.display.kind", err);
    }

    [Fact]
    public void A_bus_that_is_not_there_exits_70_naming_it()
    {
        var (exit, _, err) = EdgeMonitorCli.Run(["display", "--config", Config("""{ "kind": "ssd1306-128x64", "bus": 250 }"""), "--state-dir", _dir, "test"]);
        Assert.Equal(70, exit);
        Assert.Contains("/dev/i2c-250", err);
    }

    /// <summary>That the retries stay silent is <see cref="DisplayHostTests"/>' job, on a manual clock.</summary>
    [Fact]
    public void The_daemon_monitors_on_without_its_display_and_says_so_once()
    {
        using var target = new AcceptingListener();
        using var d = new DaemonHarness($$"""
            { "site": "lab", "probe": { "timeoutMs": 1000 },
              "monitor": { "intervalSeconds": 1, "failuresToFail": 1, "successesToRecover": 1 },
              "display": { "kind": "hd44780-20x4", "bus": 250, "address": "0x27" },
              "targets": [ { "id": "api", "kind": "tcp", "host": "127.0.0.1", "port": {{target.Port}}, "group": "api" } ] }
            """);
        d.Start();
        d.WaitForStatus(s => DaemonHarness.Overall(s) == "ok", "overall ok");
        Assert.Equal(0, d.Terminate());
        string[] displayLines = [.. d.Process!.Output.Split('\n').Where(l => l.Contains("display:", StringComparison.Ordinal))];
        Assert.Single(displayLines);
        Assert.Contains("/dev/i2c-250", displayLines[0]);
    }
}

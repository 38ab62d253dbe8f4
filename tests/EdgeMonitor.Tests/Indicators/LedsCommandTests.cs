using EdgeMonitor.Cli;
using EdgeMonitor.Configuration;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Indicators;

/// <summary>`edgemonitor leds` as a real process against a /sys-like tree.</summary>
public sealed class LedsCommandTests : IDisposable
{
    private readonly FakeSysfs _sys = new();

    public void Dispose() => _sys.Dispose();

    private string Config(string extra = "")
    {
        string path = Path.Combine(_sys.Root, "config.json");
        File.WriteAllText(path, $$"""
            { // a router's own LEDs
              "leds": { "sysfsRoot": "{{_sys.Root}}", {{extra}}
                "indicators": [ { "driver": "ledclass", "green": "green:status", "red": "red:status" } ] } }
            """);
        return path;
    }

    [Fact]
    public void Show_holds_the_pattern_until_sigterm_then_gives_the_leds_back()
    {
        _sys.AddLed("green:status", "none [default-on] timer").AddLed("red:status", "none timer [phy0tpt]");
        using var p = EdgeMonitorCli.Start(["leds", "--config", Config(), "show", "failing"]);
        p.WaitFor(() => _sys.State("red:status") == "timer 125/125", "red fast blink");
        Assert.Equal("off", _sys.State("green:status"));
        p.Signal(Posix.SIGTERM);
        Assert.True(p.Process.WaitForExit(20_000), p.Output);
        Assert.Equal(0, p.Process.ExitCode);
        Assert.Equal("default-on", _sys.State("green:status"));
        Assert.Equal("phy0tpt", _sys.State("red:status"));
    }

    [Fact]
    public void Show_with_exit_failing_leaves_red_blinking_for_the_kernel()
    {
        _sys.AddLed("green:status").AddLed("red:status");
        var (exit, _, err) = EdgeMonitorCli.Run(["leds", "--config", Config("\"onExit\": \"failing\","), "show", "ok", "--seconds", "0"]);
        Assert.True(exit == 0, err);
        Assert.Equal("off", _sys.State("green:status"));
        Assert.Equal("timer 125/125", _sys.State("red:status"));
    }

    [Fact]
    public void Off_turns_everything_off_and_leaves_it_off()
    {
        _sys.AddLed("green:status", "none [default-on]", brightness: 255).AddLed("red:status", "none [heartbeat] timer");
        var (exit, stdout, err) = EdgeMonitorCli.Run(["leds", "--config", Config(), "off"]);
        Assert.True(exit == 0, err);
        Assert.Contains("ledclass green:status,red:status: off", stdout);
        Assert.Equal("off", _sys.State("green:status"));
        Assert.Equal("off", _sys.State("red:status"));
    }

    [Fact]
    public void Lamp_test_runs_and_ends_where_it_started()
    {
        _sys.AddLed("green:status").AddLed("red:status", "none [heartbeat] timer");
        using var run = EdgeMonitorCli.Start(["leds", "--config", Config(), "test"]);
        // What the LEDs showed while it ran (each step lasts hundreds of ms; sysfs is polled far faster).
        var seen = new HashSet<(string Green, string Red)>();
        while (!run.HasExited)
        {
            seen.Add((_sys.State("green:status"), _sys.State("red:status")));
            Thread.Sleep(5);
        }
        run.Process.WaitForExit();
        Assert.True(run.Process.ExitCode == 0, run.Output);
        Assert.Contains(seen, s => s.Green.StartsWith("on") && s.Red == "off");   // green alone
        Assert.Contains(seen, s => s.Green == "off" && s.Red.StartsWith("on"));   // red alone
        Assert.Contains(seen, s => s.Green.StartsWith("on") && s.Red.StartsWith("on")); // all together
        Assert.Equal("off", _sys.State("green:status"));
        Assert.Equal("heartbeat", _sys.State("red:status"));
    }

    [Fact]
    public void List_names_the_leds_and_a_missing_led_is_exit_70_naming_it()
    {
        _sys.AddLed("green:status", "none [default-on]");
        var (exit, stdout, _) = EdgeMonitorCli.Run(["leds", "--config", Config(), "list"]);
        Assert.Equal(0, exit);
        Assert.Contains("green:status", stdout);
        Assert.Contains("default-on", stdout);

        (exit, _, string err) = EdgeMonitorCli.Run(["leds", "--config", Config(), "show", "ok", "--seconds", "0"]);
        Assert.Equal(70, exit);
        Assert.Contains("red:status", err);
    }

    [Theory]
    [InlineData(new[] { "show" }, 64)]
    [InlineData(new[] { "ok" }, 64)]
    [InlineData(new[] { "test", "off" }, 64)]
    [InlineData(new[] { "test", "--seconds", "3" }, 64)]
    public void Usage_errors(string[] args, int code) =>
        Assert.Equal(code, EdgeMonitorCli.Run(["leds", .. args]).Exit);

    [Theory]
    [InlineData("\"onStall\": \"green\",", "$.leds.onStall")]
    [InlineData("\"onExit\": \"red\",", "$.leds.onExit")]
    [InlineData("\"stallSeconds\": 1,", "$.leds.stallSeconds")]
    [InlineData("\"sysfsRoot\": \"sys\",", "$.leds.sysfsRoot")]
    [InlineData("\"button\": { \"line\": \"\" },", "$.leds.button.line")]
    [InlineData("\"button\": { \"line\": \"27\", \"longPressMs\": 10 },", "$.leds.button.longPressMs")]
    [InlineData("\"gpioDriver\": \"libgpiod\", \"button\": { \"line\": \"BUTTON\" },", "$.leds.button.line")]
    [InlineData("\"gpioDriver\": \"libgpiod\", \"button\": { \"line\": \"5\", \"chip\": \"pinctrl-rp1\" },", "$.leds.button.chip")]
    public void Bad_leds_config_is_exit_78_with_the_path(string extra, string path)
    {
        string file = Path.Combine(_sys.Root, "bad.json");
        File.WriteAllText(file, $$"""{ "leds": { {{extra}} "indicators": [] } }""");
        var (exit, _, err) = EdgeMonitorCli.Run(["leds", "--config", file, "off"]);
        Assert.Equal(78, exit);
        Assert.Contains(path, err);
    }

    [Theory]
    [InlineData("""{ "source": "nonesuch", "driver": "console" }""", "source")]
    [InlineData("""{ "driver": "ledclass" }""", "at least one")]
    [InlineData("""{ "driver": "gpio", "green": "17", "red": "17" }""", "two colours")]
    [InlineData("""{ "driver": "ledclass", "green": "../x" }""", "must not contain")]
    [InlineData("""{ "driver": "pwm" }""", "gpio, ledclass or console")]
    public void Bad_indicators_are_rejected(string indicator, string message)
    {
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Validate(ConfigLoader.Parse($$"""{ "leds": { "indicators": [ {{indicator}} ] } }""", "t.json"), "t.json", ConfigOption.Outputs));
        Assert.Contains("$.leds.indicators[0]", e.Message);
        Assert.Contains(message, e.Message);
    }

    [Theory]
    [InlineData("sysfs")]
    [InlineData("Chardev")]
    [InlineData("1")]
    public void An_unknown_gpio_driver_is_refused(string driver)
    {
        string file = Path.Combine(_sys.Root, "bad.json");
        File.WriteAllText(file, $$"""{ "leds": { "gpioDriver": "{{driver}}", "indicators": [] } }""");
        var (exit, _, err) = EdgeMonitorCli.Run(["leds", "--config", file, "off"]);
        Assert.Equal(78, exit);
        Assert.Contains("gpioDriver", err);
    }

    [Theory]
    [InlineData("chardev", GpioDriverKind.CharacterDevice)]
    [InlineData("libgpiod", GpioDriverKind.Libgpiod)]
    [InlineData("libgpiod2", GpioDriverKind.Libgpiod2)]
    [InlineData("raspberrypi", GpioDriverKind.RaspberryPi)]
    public void Gpio_drivers_by_name(string name, GpioDriverKind kind)
    {
        var c = ConfigLoader.Parse($$"""{ "leds": { "gpioDriver": "{{name}}", "indicators": [ { "driver": "gpio", "chip": "0", "green": "17" } ] } }""", "t.json");
        ConfigLoader.Validate(c, "t.json", ConfigOption.Outputs);
        Assert.Equal(kind, c.Leds.GpioDriver);
    }

    [Theory]
    [InlineData("overall")]
    [InlineData("cloudtrax-ap")]
    [InlineData("cloudtrax-ap/cloud")]
    public void Good_sources_pass(string source)
    {
        var c = ConfigLoader.Parse($$"""{ "leds": { "indicators": [ { "source": "{{source}}", "driver": "gpio", "chip": "gpiochip0", "green": "GPIO17", "amber": "!27" } ] } }""", "t.json");
        ConfigLoader.Validate(c, "t.json", ConfigOption.Outputs);
    }
}

using EdgeMonitor.Indicators;

namespace EdgeMonitor.Tests.Indicators;

public sealed class LedClassDriverTests : IDisposable
{
    private readonly FakeSysfs _sys = new();

    public void Dispose() => _sys.Dispose();

    [Theory]
    [InlineData("[none] timer heartbeat", "none")]
    [InlineData("none rc-feedback kbd-scrolllock [timer] heartbeat default-on mmc0", "timer")]
    [InlineData("none phy0rx phy0tx [phy0tpt]\n", "phy0tpt")]
    [InlineData("none timer", null)]
    public void Trigger_file_parses_like_the_kernel_writes_it(string text, string? current)
    {
        var (cur, all) = LedClassDriver.ParseTrigger(text);
        Assert.Equal(current, cur);
        Assert.Contains("none", all);
        Assert.DoesNotContain(all, w => w.Contains('['));
    }

    [Fact]
    public void Blinks_go_to_the_timer_trigger_and_steady_levels_to_brightness()
    {
        _sys.AddLed("green:status").AddLed("amber:status", max: 1).AddLed("red:status");
        using var d = new LedClassDriver(_sys.Root, "green:status", "amber:status", "red:status");
        Assert.Equal(LedChannels.All, d.Channels);

        var soft = d.Show(Patterns.For(LightState.Failing, d.Channels), "overall", LightState.Failing);
        Assert.Equal(LedChannels.None, soft); // the kernel blinks: survives a stalled process
        Assert.Equal("timer 125/125", _sys.State("red:status"));
        Assert.Equal("off", _sys.State("green:status"));

        d.Show(Patterns.For(LightState.Ok, d.Channels), "overall", LightState.Ok);
        Assert.Equal("on 255", _sys.State("green:status"));
        Assert.Equal("off", _sys.State("red:status"));

        d.Show(Patterns.For(LightState.Degraded, d.Channels), "overall", LightState.Degraded);
        Assert.Equal("timer 500/500", _sys.State("amber:status"));
        Assert.Equal("off", _sys.State("green:status"));

        d.Show(Patterns.For(LightState.LampTest, d.Channels), "overall", LightState.LampTest);
        Assert.Equal("on 1", _sys.State("amber:status")); // max_brightness read, not assumed
    }

    [Fact]
    public void Without_a_timer_trigger_the_caller_blinks_through_brightness()
    {
        _sys.AddLed("status", trigger: "[none] default-on", max: 1);
        using var d = new LedClassDriver(_sys.Root, null, null, "status");
        var soft = d.Show(Patterns.For(LightState.Degraded, d.Channels), "overall", LightState.Degraded);
        Assert.Equal(LedChannels.Red, soft);
        d.SetLit(soft, LedChannels.Red);
        Assert.Equal("on 1", _sys.State("status"));
        d.SetLit(soft, LedChannels.None);
        Assert.Equal("off", _sys.State("status"));
    }

    [Fact]
    public void Release_puts_back_the_previous_trigger_delays_and_brightness()
    {
        _sys.AddLed("a", trigger: "none timer [heartbeat]")
            .AddLed("b", trigger: "none [timer] heartbeat")
            .AddLed("c", trigger: "[none] timer", brightness: 7);
        File.WriteAllText(Path.Combine(_sys.Dir("b"), "delay_on"), "1000\n");
        File.WriteAllText(Path.Combine(_sys.Dir("b"), "delay_off"), "3000\n");
        var d = new LedClassDriver(_sys.Root, "a", "b", "c");
        d.Show(Patterns.For(LightState.Identify, d.Channels), "overall", LightState.Identify);
        Assert.Equal("timer 250/250", _sys.State("a"));
        Assert.Equal("timer 250/250", _sys.State("b"));

        d.Release(keepShown: false);
        Assert.Equal("heartbeat", _sys.State("a"));
        Assert.Equal("timer 1000/3000", _sys.State("b"));
        Assert.Equal("on 7", _sys.State("c"));
    }

    [Fact]
    public void Release_keeping_the_look_leaves_the_kernel_blinking()
    {
        _sys.AddLed("red:status", trigger: "none [heartbeat] timer");
        var d = new LedClassDriver(_sys.Root, null, null, "red:status");
        d.Show(Patterns.For(LightState.Failing, d.Channels), "overall", LightState.Failing);
        d.Release(keepShown: true);
        d.Dispose();
        Assert.Equal("timer 125/125", _sys.State("red:status"));
    }

    [Fact]
    public void A_missing_led_is_a_clear_error_naming_it()
    {
        _sys.AddLed("green:status");
        var e = Assert.Throws<IndicatorException>(() => new LedClassDriver(_sys.Root, "green:status", null, "red:nope"));
        Assert.Contains("red:nope", e.Message);
        Assert.Throws<IndicatorException>(() => new LedClassDriver(_sys.Root, "../../etc", null, null));
        Assert.Throws<IndicatorException>(() => new LedClassDriver(_sys.Root, null, null, null));
    }

    [Fact]
    public void List_shows_names_and_triggers()
    {
        _sys.AddLed("green:status", trigger: "none [default-on]", max: 1).AddLed("blue:wan");
        var list = LedClassDriver.List(_sys.Root);
        Assert.Equal([("blue:wan", "none", 255), ("green:status", "default-on", 1)], list);
    }
}

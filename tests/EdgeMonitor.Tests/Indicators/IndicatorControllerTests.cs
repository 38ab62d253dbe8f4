using EdgeMonitor.Indicators;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Indicators;

/// <summary>
/// The controller with real drivers (LED class on a /sys-like tree; without a timer trigger it
/// blinks in software exactly as it does GPIO lines) and a manual clock: patterns, stall
/// safety, identify, lamp test, exit.
/// </summary>
public sealed class IndicatorControllerTests : IDisposable
{
    private readonly FakeSysfs _sys = new();
    private readonly ManualClock _clock = new();
    private readonly LogCapture _log = new();

    public void Dispose() => _sys.Dispose();

    private const string G = "g", A = "a", R = "r";

    /// <summary>Three LEDs that cannot blink by themselves: every blink is the controller's, as on GPIO.</summary>
    private IndicatorController SoftThreeLed(IndicatorOptions? options = null, string source = "overall")
    {
        _sys.AddLed(G, "[none] default-on", 1).AddLed(A, "[none] default-on", 1).AddLed(R, "[none] default-on", 1);
        return new IndicatorController([(source, new LedClassDriver(_sys.Root, G, A, R))],
            options ?? new IndicatorOptions(TimeSpan.Zero), _log.Logger, _clock);
    }

    private string Lit() => string.Concat(
        _sys.State(G) == "on 1" ? "G" : "-", _sys.State(A) == "on 1" ? "A" : "-", _sys.State(R) == "on 1" ? "R" : "-");

    private static StatusChange Change(Status overall, params (string Profile, Status S)[] profiles)
    {
        var empty = new StatusSnapshot(Status.Unknown, Reason.Unknown, [], [], []);
        var now = new StatusSnapshot(overall, Reason.Ok, [.. profiles.Select(p => new ProfileStatus(p.Profile, p.S, Reason.Ok))],
            [.. profiles.Select(p => new GroupStatus(p.Profile, "cloud", p.S, Reason.Ok, ""))], []);
        return StatusChange.Between(empty, now, DateTimeOffset.UnixEpoch);
    }

    [Theory]
    [InlineData(LightState.Ok, "green steady")]
    [InlineData(LightState.Degraded, "amber slow blink")]
    [InlineData(LightState.Failing, "red fast blink")]
    [InlineData(LightState.Unknown, "amber short flash")]
    [InlineData(LightState.Identify, "green blink 250/250 ms + amber blink 250/250 ms + red blink 250/250 ms")]
    [InlineData(LightState.Off, "all off")]
    public void Three_led_table(LightState state, string look) =>
        Assert.Equal(look, Patterns.For(state, LedChannels.All).Describe());

    [Theory]
    [InlineData(LightState.Ok, "steady")]
    [InlineData(LightState.Degraded, "slow blink")]
    [InlineData(LightState.Failing, "fast blink")]
    [InlineData(LightState.Unknown, "short flash")]
    [InlineData(LightState.Off, "off")]
    public void A_single_led_tells_the_states_apart_by_rhythm(LightState state, string blink)
    {
        foreach (LedChannels only in new[] { LedChannels.Green, LedChannels.Amber, LedChannels.Red })
        {
            Look look = Patterns.For(state, only);
            Assert.Equal(blink, look[only].ToString());
            Assert.Equal(LedChannels.None, look.LitAt(0) & ~only);
        }
    }

    [Fact]
    public void Red_and_green_without_amber_mix_amber_and_never_show_green_alone_for_trouble()
    {
        var rg = LedChannels.Green | LedChannels.Red;
        Assert.Equal("green slow blink + red slow blink", Patterns.For(LightState.Degraded, rg).Describe());
        Assert.Equal("red fast blink", Patterns.For(LightState.Failing, rg).Describe());
        Assert.Equal("amber fast blink", Patterns.For(LightState.Failing, LedChannels.Green | LedChannels.Amber).Describe());
        Assert.Equal("amber steady", Patterns.For(LightState.Ok, LedChannels.Amber | LedChannels.Red).Describe());
    }

    [Fact]
    public void Software_blinking_follows_the_clock_edge_by_edge()
    {
        using var c = SoftThreeLed();
        c.ShowState(LightState.Failing);
        Assert.Equal(TimeSpan.FromMilliseconds(125), c.Tick());
        Assert.Equal("--R", Lit());
        _clock.AdvanceMs(124);
        Assert.Equal(TimeSpan.FromMilliseconds(1), c.Tick());
        Assert.Equal("--R", Lit());
        _clock.AdvanceMs(1);
        c.Tick();
        Assert.Equal("---", Lit());
        _clock.AdvanceMs(125);
        c.Tick();
        Assert.Equal("--R", Lit());

        c.ShowState(LightState.Degraded); // a new look starts its own period, lit
        c.Tick();
        Assert.Equal("-A-", Lit());
        _clock.AdvanceMs(500);
        c.Tick();
        Assert.Equal("---", Lit());
    }

    [Fact]
    public void Each_indicator_follows_its_own_source()
    {
        _sys.AddLed("o").AddLed("p").AddLed("q");
        using var c = new IndicatorController(
            [("overall", new LedClassDriver(_sys.Root, "o", null, null)),
             ("dt-ccon-gen2", new LedClassDriver(_sys.Root, "p", null, null)),
             ("cloudtrax-ap/cloud", new LedClassDriver(_sys.Root, "q", null, null))],
            new IndicatorOptions(TimeSpan.Zero), _log.Logger, _clock);
        c.OnStatus(Change(Status.Degraded, ("dt-ccon-gen2", Status.Ok), ("cloudtrax-ap", Status.Failing)));
        c.Tick();
        Assert.Equal("timer 500/500", _sys.State("o"));
        Assert.Equal("on 255", _sys.State("p"));
        Assert.Equal("timer 125/125", _sys.State("q"));
    }

    [Fact]
    public void A_stalled_monitor_never_leaves_green_and_recovers_on_the_next_heartbeat()
    {
        using var c = SoftThreeLed(new IndicatorOptions(TimeSpan.FromSeconds(30)));
        c.OnStatus(Change(Status.Ok));
        c.Tick();
        Assert.Equal("G--", Lit());
        for (int i = 0; i < 6; i++) // heartbeats every 10 s keep it green
        {
            _clock.AdvanceMs(10_000);
            c.Heartbeat();
            c.Tick();
            Assert.Equal("G--", Lit());
        }
        _clock.AdvanceMs(29_999);
        Assert.Equal(TimeSpan.FromMilliseconds(1), c.Tick()); // wakes exactly at the deadline
        Assert.Equal("G--", Lit());
        _clock.AdvanceMs(1);
        c.Tick();
        Assert.True(c.Stalled);
        Assert.Equal("--R", Lit());
        Assert.Contains(_log.Lines, l => l.StartsWith("Warning", StringComparison.Ordinal) && l.Contains("no progress"));

        // Neither identify nor lamp test nor a new "ok" overrides the stall.
        c.OnStatus(Change(Status.Ok)); // a status change counts as progress...
        c.Tick();
        Assert.Equal("G--", Lit());
        _clock.AdvanceMs(30_000); // ...until it stops again
        c.Identify(TimeSpan.FromMinutes(5));
        c.LampTest();
        for (int ms = 0; ms < 5000; ms += 25)
        {
            c.Tick();
            Assert.DoesNotContain('G', Lit());
            _clock.AdvanceMs(25);
        }
        c.Heartbeat();
        c.Tick();
        Assert.False(c.Stalled);
        Assert.Contains(_log.Lines, l => l.Contains("progress again"));
    }

    [Fact]
    public void Stall_can_show_all_off_instead()
    {
        using var c = SoftThreeLed(new IndicatorOptions(TimeSpan.FromSeconds(10), OnStall: LightState.Off));
        c.ShowState(LightState.Ok);
        c.Tick();
        Assert.Equal("G--", Lit());
        _clock.AdvanceMs(10_000);
        c.Tick();
        Assert.Equal("---", Lit());
    }

    [Fact]
    public void The_kernel_blinks_red_through_a_stall_on_led_class()
    {
        _sys.AddLed("green:status").AddLed("red:status");
        using var c = new IndicatorController([("overall", new LedClassDriver(_sys.Root, "green:status", null, "red:status"))],
            new IndicatorOptions(TimeSpan.FromSeconds(60)), _log.Logger, _clock);
        c.OnStatus(Change(Status.Ok));
        c.Tick();
        Assert.Equal("on 255", _sys.State("green:status"));
        _clock.AdvanceMs(60_000);
        c.Tick();
        Assert.Equal("off", _sys.State("green:status"));
        Assert.Equal("timer 125/125", _sys.State("red:status"));
    }

    [Fact]
    public void Identify_blinks_every_led_together_then_returns_to_the_status()
    {
        using var c = SoftThreeLed();
        c.ShowState(LightState.Ok);
        c.Tick();
        c.Identify(TimeSpan.FromSeconds(2));
        c.Tick();
        Assert.Equal("GAR", Lit());
        _clock.AdvanceMs(250);
        c.Tick();
        Assert.Equal("---", Lit());
        _clock.AdvanceMs(1750);
        c.Tick();
        Assert.Equal("G--", Lit());
    }

    [Fact]
    public void Lamp_test_lights_each_colour_then_all_then_returns()
    {
        using var c = SoftThreeLed();
        c.ShowState(LightState.Degraded);
        c.Tick();
        c.LampTest();
        var seen = new List<string>();
        for (int ms = 0; ms <= 2600; ms += 100)
        {
            c.Tick();
            if (seen.Count == 0 || seen[^1] != Lit())
                seen.Add(Lit());
            _clock.AdvanceMs(100);
        }
        Assert.Equal(["G--", "-A-", "--R", "GAR", "-A-"], seen); // back to degraded (amber slow) at 2.5 s
        Assert.Equal(TimeSpan.FromMilliseconds(2500), IndicatorController.LampTestDuration);
    }

    [Fact]
    public void A_failing_driver_is_logged_once_never_throws_and_is_retried()
    {
        using var c = SoftThreeLed();
        string brightness = Path.Combine(_sys.Dir(R), "brightness");
        File.Delete(brightness);
        Directory.CreateDirectory(brightness); // writes now fail like a vanished LED
        c.ShowState(LightState.Failing);
        for (int i = 0; i < 5; i++)
        {
            Assert.True(c.Tick() > TimeSpan.Zero);
            _clock.AdvanceMs(1000);
        }
        Assert.Single(_log.Lines, l => l.StartsWith("Error", StringComparison.Ordinal));
        Directory.Delete(brightness);
        c.Tick();
        Assert.Equal("--R", Lit());
        Assert.Contains(_log.Lines, l => l.Contains("works again"));
    }

    [Fact]
    public void Exit_off_hands_the_leds_back_and_exit_failing_leaves_red_blinking()
    {
        _sys.AddLed("one", "none [heartbeat] timer").AddLed("two", "none [heartbeat] timer");
        var off = new IndicatorController([("overall", new LedClassDriver(_sys.Root, null, null, "one"))],
            new IndicatorOptions(TimeSpan.Zero), _log.Logger, _clock);
        var failing = new IndicatorController([("overall", new LedClassDriver(_sys.Root, "two", null, null))],
            new IndicatorOptions(TimeSpan.Zero, OnExit: LightState.Failing), _log.Logger, _clock);
        off.ShowState(LightState.Ok);
        failing.ShowState(LightState.Ok);
        off.Tick();
        failing.Tick();
        Assert.Equal("on 255", _sys.State("one"));
        off.Dispose();
        failing.Dispose();
        Assert.Equal("heartbeat", _sys.State("one"));
        Assert.Equal("timer 125/125", _sys.State("two")); // the single LED's failing rhythm
        Assert.Equal(Timeout.InfiniteTimeSpan, off.Tick());
    }

    [Fact]
    public void The_console_view_prints_one_line_per_change_and_nothing_in_between()
    {
        var text = new StringWriter();
        using var c = new IndicatorController([("overall", new ConsoleLedDriver(text, _clock))],
            new IndicatorOptions(TimeSpan.Zero), _log.Logger, _clock);
        c.Tick();
        for (int i = 0; i < 20; i++)
        {
            _clock.AdvanceMs(100);
            c.OnStatus(Change(i < 10 ? Status.Ok : Status.Failing));
            c.Tick();
        }
        c.Dispose();
        Assert.Equal(
            ["12:00:00 leds overall: unknown (amber short flash)", "12:00:00 leds overall: ok (green steady)",
             "12:00:01 leds overall: failing (red fast blink)", "12:00:02 leds: off"],
            text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void The_indicator_thread_shows_status_without_ticks_from_outside()
    {
        _sys.AddLed("t");
        using var c = new IndicatorController([("overall", new LedClassDriver(_sys.Root, "t", null, null))],
            new IndicatorOptions(TimeSpan.FromSeconds(60)), _log.Logger, TimeProvider.System);
        c.Start();
        c.OnStatus(Change(Status.Degraded));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (_sys.State("t") != "timer 500/500" && DateTime.UtcNow < deadline)
            Thread.Sleep(20);
        Assert.Equal("timer 500/500", _sys.State("t"));
    }

    [Fact]
    public void After_a_restart_the_previous_runs_green_is_not_shown_before_a_fresh_verdict()
    {
        using var c = SoftThreeLed();
        // What StatusMonitor publishes first after a restart: status.json's picture, marked stale.
        var empty = new StatusSnapshot(Status.Unknown, Reason.Unknown, [], [], []);
        var lastRun = new StatusSnapshot(Status.Ok, Reason.Ok, [], [], []) { Stale = true };
        c.OnStatus(StatusChange.Between(empty, lastRun, DateTimeOffset.UnixEpoch));
        c.Tick();
        Assert.Equal("-A-", Lit()); // the starting pattern: amber short flash
        _clock.AdvanceMs(500);
        c.Tick();
        Assert.Equal("---", Lit());
        Assert.False(c.Stalled); // a stale picture still counts as the monitor being alive

        c.OnStatus(StatusChange.Between(lastRun, new StatusSnapshot(Status.Ok, Reason.Ok, [], [], []), DateTimeOffset.UnixEpoch));
        c.Tick();
        Assert.Equal("G--", Lit()); // this process's own first verdict
    }

    /// <summary>An LED whose every write blocks until released: a hung I²C expander, a stuck sysfs write.</summary>
    private sealed class HangingDriver : ILedDriver
    {
        public ManualResetEventSlim Entered { get; } = new();
        public ManualResetEventSlim Go { get; } = new();
        public string Describe => "hanging";
        public LedChannels Channels => LedChannels.All;

        public LedChannels Show(Look look, string source, LightState state)
        {
            Entered.Set();
            Go.Wait();
            return LedChannels.None;
        }

        public void SetLit(LedChannels mask, LedChannels lit)
        {
        }

        public void Release(bool keepShown)
        {
        }

        public void Dispose()
        {
        }
    }

    [Fact]
    public async Task A_hung_led_does_not_hold_up_the_monitor_loop()
    {
        var hang = new HangingDriver();
        var c = new IndicatorController([("overall", hang)], new IndicatorOptions(TimeSpan.FromSeconds(30)), _log.Logger, _clock);
        var tick = Task.Run(c.Tick);
        Assert.True(hang.Entered.Wait(TimeSpan.FromSeconds(20)));
        // The monitor's calls (status, heartbeat, identify, lamp test) return while the driver hangs.
        var monitor = Task.Run(() =>
        {
            c.OnStatus(Change(Status.Failing));
            c.Heartbeat();
            c.Identify(TimeSpan.FromSeconds(1));
            c.LampTest();
            _ = c.Stalled;
        });
        Assert.Same(monitor, await Task.WhenAny(monitor, Task.Delay(TimeSpan.FromSeconds(20))));
        hang.Go.Set();
        await tick;
        c.Dispose();
    }
}

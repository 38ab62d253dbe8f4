using System.Collections.Concurrent;
using System.Device.Gpio;
using EdgeMonitor.Configuration;
using EdgeMonitor.Indicators;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Indicators;

/// <summary>
/// The GPIO indicator and the button through System.Device.Gpio's GpioController on a driver
/// with no hardware (this kernel has no gpio-sim or gpio-mockup): the same controller calls the
/// character-device, libgpiod and Raspberry Pi drivers receive.
/// </summary>
public sealed class GpioIndicatorTests
{
    private static GpioPins Pins(FakeGpioDriver d) => new(new GpioController(d), "fake");

    [Fact]
    public void Leds_open_dark_and_follow_looks_with_active_low_inverted()
    {
        var d = new FakeGpioDriver();
        using (var leds = new GpioLedDriver(Pins(d), activeLow: false, green: "17", amber: "!27", red: "22"))
        {
            Assert.Equal("gpio fake 17,27,22", leds.Describe);
            Assert.All(new[] { 17, 27, 22 }, p => Assert.Equal(PinMode.Output, d.ModeOf(p)));
            // Dark from the first instant: the active-low amber line starts high, the others low.
            Assert.Equal((PinValue.Low, PinValue.High, PinValue.Low), (d.LevelOf(17), d.LevelOf(27), d.LevelOf(22)));
            Assert.DoesNotContain(d.Writes, w => w.Pin == 27 && w.Value == PinValue.Low);

            leds.Show(Patterns.For(LightState.Ok, LedChannels.All), "overall", LightState.Ok);
            Assert.Equal((PinValue.High, PinValue.High, PinValue.Low), (d.LevelOf(17), d.LevelOf(27), d.LevelOf(22)));

            LedChannels soft = leds.Show(Patterns.For(LightState.Degraded, LedChannels.All), "overall", LightState.Degraded);
            Assert.Equal(LedChannels.Amber, soft); // GPIO blinks in software
            Assert.Equal((PinValue.Low, PinValue.Low, PinValue.Low), (d.LevelOf(17), d.LevelOf(27), d.LevelOf(22)));
            leds.SetLit(LedChannels.Amber, LedChannels.None);
            Assert.Equal(PinValue.High, d.LevelOf(27)); // amber dark again = line high
        }
        Assert.True(d.Disposed);
        Assert.False(d.IsOpen(17));
    }

    [Fact]
    public void Release_keeping_failing_leaves_red_steady()
    {
        var d = new FakeGpioDriver();
        var leds = new GpioLedDriver(Pins(d), activeLow: true, green: "5", amber: null, red: "6");
        leds.Show(Patterns.For(LightState.Failing, leds.Channels), "overall", LightState.Failing);
        leds.Release(keepShown: true);
        // Active-low: red lit is low, green dark is high, as the last write before the lines were handed back.
        Assert.Equal((6, PinValue.Low), d.Writes[^1]);
        Assert.Equal((5, PinValue.High), d.Writes[^2]);
    }

    [Fact]
    public void The_same_line_for_two_colours_is_refused_and_the_controller_closed()
    {
        var d = new FakeGpioDriver();
        var e = Assert.Throws<IndicatorException>(() => new GpioLedDriver(Pins(d), false, "4", "4", null));
        Assert.Contains("two colours", e.Message);
        Assert.True(d.Disposed);
    }

    [Fact]
    public void A_line_name_needs_the_character_device_driver()
    {
        var e = Assert.Throws<IndicatorException>(() => new GpioLedDriver(Pins(new FakeGpioDriver()), false, "GPIO17", null, null));
        Assert.Contains("line names need gpioDriver chardev", e.Message);
    }

    private sealed class Button : IDisposable
    {
        public FakeGpioDriver Driver { get; } = new();
        public BlockingCollection<ButtonAction> Actions { get; } = [];
        public PushButton Push { get; }

        public Button(bool activeLow = true, int debounceMs = 30, int longPressMs = 300) =>
            Push = new PushButton(Pins(Driver), new ButtonConfig { Line = "23", ActiveLow = activeLow, DebounceMs = debounceMs, LongPressMs = longPressMs },
                Actions.Add, new LogCapture().Logger);

        public void Press(bool activeLow = true) => Driver.Drive(23, activeLow ? PinValue.Low : PinValue.High);
        public void Release(bool activeLow = true) => Driver.Drive(23, activeLow ? PinValue.High : PinValue.Low);

        public ButtonAction Next()
        {
            Assert.True(Actions.TryTake(out ButtonAction a, TimeSpan.FromSeconds(20)), "no button action");
            return a;
        }

        public void Dispose() => Push.Dispose();
    }

    [Fact]
    public void An_active_low_button_is_a_pulled_up_input_and_a_short_press_is_a_recheck()
    {
        using var b = new Button(longPressMs: 60_000);
        Assert.Equal(PinMode.InputPullUp, b.Driver.ModeOf(23));
        b.Press();
        b.Release();
        Assert.Equal(ButtonAction.ShortPress, b.Next());
        Assert.Empty(b.Actions);
    }

    [Fact]
    public void An_active_high_button_is_pulled_down()
    {
        using var b = new Button(activeLow: false, longPressMs: 60_000);
        Assert.Equal(PinMode.InputPullDown, b.Driver.ModeOf(23));
        b.Press(activeLow: false);
        b.Release(activeLow: false);
        Assert.Equal(ButtonAction.ShortPress, b.Next());
    }

    [Fact]
    public void Holding_fires_the_lamp_test_under_the_finger_and_the_release_is_not_a_recheck_too()
    {
        using var b = new Button(longPressMs: 200);
        b.Press();
        Assert.Equal(ButtonAction.LongPress, b.Next()); // still held
        b.Release();
        Thread.Sleep(100); // past the 30 ms debounce: what follows is a new press, not bounce
        b.Press();
        b.Release(); // a following short press is counted again
        Assert.Equal(ButtonAction.ShortPress, b.Next());
        Assert.Empty(b.Actions);
    }

    [Fact]
    public void Bounce_after_a_release_is_not_a_second_press()
    {
        // Presses within debounceMs of a release are ignored; the window is the longest the config
        // allows (1 s), far more than the microseconds between these calls.
        using var b = new Button(debounceMs: 1000, longPressMs: 60_000);
        b.Press();
        b.Release();
        b.Press(); // contact bounce
        b.Release();
        Assert.Equal(ButtonAction.ShortPress, b.Next());
        Assert.Empty(b.Actions);
    }

    [Fact]
    public void Disposing_the_button_closes_its_line()
    {
        var b = new Button();
        b.Dispose();
        Assert.False(b.Driver.IsOpen(23));
        Assert.True(b.Driver.Disposed);
    }
}

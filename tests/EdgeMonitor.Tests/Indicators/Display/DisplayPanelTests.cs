using EdgeMonitor.Configuration;
using EdgeMonitor.Indicators.Display;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Indicators.Display;

/// <summary>
/// Each state on each panel kind, end to end: status stream -> host -> Iot.Device.Bindings ->
/// I2C bytes -> a model of the panel -> the text a person reads off it. Pictures of each go to
/// the artefact directory (display-KIND-STATE.png).
/// </summary>
public sealed class DisplayPanelTests
{
    private const string T = PanelRig.Site + " / " + PanelRig.Node, Ip = PanelRig.Address;

    private static List<string[]> Run(DisplayKind kind, StatusSnapshot? snapshot, int screens, string picture, Action<PanelRig>? before = null)
    {
        using var rig = new PanelRig(kind);
        if (snapshot is not null)
            rig.Status(snapshot);
        before?.Invoke(rig);
        rig.Host.Tick();
        rig.Picture($"{Name(kind)}-{picture}");
        return rig.Round(screens);
    }

    private static string Name(DisplayKind kind) => kind switch
    {
        DisplayKind.Ssd1306_128x64 => "oled128x64",
        DisplayKind.Ssd1306_128x32 => "oled128x32",
        DisplayKind.Hd44780_20x4 => "lcd20x4",
        _ => "lcd16x2",
    };

    [Fact]
    public void Oled_128x64_ok_names_site_state_and_address()
    {
        var seen = Run(DisplayKind.Ssd1306_128x64, Snapshots.Ok, 1, "ok");
        Assert.Equal([T, "OK", "all checks pass", "", "", "", Ip], seen[0]);
    }

    [Fact]
    public void Oled_128x64_failing_cycles_through_each_failing_group_in_plain_words()
    {
        var seen = Run(DisplayKind.Ssd1306_128x64, Snapshots.Failing, 4, "failing");
        Assert.Equal([T, "FAILING 1/3", "DT manager:", "TLS intercepted", "", "", Ip], seen[0]);
        Assert.Equal([T, "FAILING 2/3", "CloudTrax cloud:", "blocked (timeout)", "", "", Ip], seen[1]);
        Assert.Equal([T, "FAILING 3/3", "CloudTrax time:", "NTP timeout", "", "", Ip], seen[2]);
        Assert.Equal(seen[0], seen[3]);
    }

    [Fact]
    public void Oled_128x64_failing_headline_is_inverted_degraded_is_not()
    {
        using var rig = new PanelRig(DisplayKind.Ssd1306_128x64);
        rig.Status(Snapshots.Failing);
        rig.Host.Tick();
        Assert.True(Ssd1306Model.Banded(rig.Glass(), 8));
        rig.Status(Snapshots.Degraded);
        rig.Host.Tick();
        Assert.False(Ssd1306Model.Banded(rig.Glass(), 8));
        Assert.Equal("DEGRADED", rig.Seen()[1]);
    }

    [Fact]
    public void Oled_128x64_degraded()
    {
        var seen = Run(DisplayKind.Ssd1306_128x64, Snapshots.Degraded, 1, "degraded");
        Assert.Equal([T, "DEGRADED", "CloudTrax time:", "NTP timeout", "", "", Ip], seen[0]);
    }

    [Fact]
    public void Oled_128x64_stalled_monitor_shows_the_stall_never_the_stale_ok()
    {
        using var rig = new PanelRig(DisplayKind.Ssd1306_128x64);
        rig.Status(Snapshots.Ok);
        rig.Host.Tick();
        Assert.Equal("OK", rig.Seen()[1]);
        rig.Clock.Advance(TimeSpan.FromSeconds(91));
        rig.Host.Tick();
        Assert.Equal([T, "STALLED", "monitor stalled,", "status unknown", "", "", Ip], rig.Seen());
        Assert.Contains(rig.Log.Lines, l => l.Contains("no progress from the monitor", StringComparison.Ordinal));
        rig.Picture("oled128x64-stalled");
        // Progress again: the verdict comes back.
        rig.Host.OnProgress(new MonitorProgress(rig.Clock.GetUtcNow(), 1, 1, true, ""));
        rig.Host.Tick();
        Assert.Equal("OK", rig.Seen()[1]);
    }

    [Fact]
    public void Starting_until_the_first_fresh_verdict_even_with_last_runs_ok()
    {
        using var rig = new PanelRig(DisplayKind.Ssd1306_128x64);
        rig.Host.Tick();
        Assert.Equal([T, "STARTING", "first check running", "", "", "", Ip], rig.Seen());
        rig.Status(Snapshots.Ok with { Stale = true });
        rig.Host.Tick();
        Assert.Equal("STARTING", rig.Seen()[1]);
        rig.Status(Snapshots.Ok);
        rig.Host.Tick();
        Assert.Equal("OK", rig.Seen()[1]);
    }

    [Fact]
    public void Oled_128x32_puts_site_and_address_on_a_screen_of_their_own()
    {
        var seen = Run(DisplayKind.Ssd1306_128x32, Snapshots.Failing, 4, "failing");
        Assert.Equal(["FAILING 1/3", "DT manager:", "TLS intercepted"], seen[0]);
        Assert.Equal(["FAILING 2/3", "CloudTrax cloud:", "blocked (timeout)"], seen[1]);
        Assert.Equal(["FAILING 3/3", "CloudTrax time:", "NTP timeout"], seen[2]);
        Assert.Equal(["FAILING", T, Ip], seen[3]);
        Assert.Equal(["OK", "all checks pass", ""], Run(DisplayKind.Ssd1306_128x32, Snapshots.Ok, 1, "ok")[0]);
    }

    [Fact]
    public void Oled_upside_down_reads_upright_when_turned()
    {
        using var rig = new PanelRig(DisplayKind.Ssd1306_128x64, rotation: 180);
        rig.Status(Snapshots.Ok);
        rig.Host.Tick();
        bool[,] glass = rig.Glass();
        var turned = new bool[128, 64];
        for (int x = 0; x < 128; x++)
            for (int y = 0; y < 64; y++)
                turned[127 - x, 63 - y] = glass[x, y];
        Assert.Equal(T, Ssd1306Model.Read(turned, 0));
        Assert.Equal("all checks pass", Ssd1306Model.Read(turned, 24));
        Assert.NotEqual(T, Ssd1306Model.Read(glass, 0));
    }

    [Fact]
    public void Oled_identify_blinks_the_whole_panel()
    {
        using var rig = new PanelRig(DisplayKind.Ssd1306_128x64);
        rig.Status(Snapshots.Ok);
        rig.Host.Identify(TimeSpan.FromSeconds(10));
        rig.Host.Tick();
        Assert.True(rig.Oled().Inverse);
        // Inverted glass reads the same: the font is matched either way round.
        Assert.Equal([T, "IDENTIFY", T, Ip, "", "", Ip], rig.Seen());
        rig.Clock.AdvanceMs(500);
        rig.Host.Tick();
        Assert.False(rig.Oled().Inverse);
        rig.Clock.Advance(TimeSpan.FromSeconds(10));
        rig.Host.OnProgress(new MonitorProgress(rig.Clock.GetUtcNow(), 1, 1, true, ""));
        rig.Host.Tick();
        Assert.False(rig.Oled().Inverse);
        Assert.Equal("OK", rig.Seen()[1]);
    }

    [Fact]
    public void Oled_128x64_uses_all_64_rows_although_the_bindings_setup_is_for_32()
    {
        using var rig = new PanelRig(DisplayKind.Ssd1306_128x64);
        rig.Status(Snapshots.Ok);
        rig.Host.Tick();
        Ssd1306Model oled = rig.Oled();
        Assert.True(oled.On);
        Assert.Equal(Ip, rig.Seen()[^1]);
        Assert.Equal(0x8F, oled.Contrast);
    }

    [Fact]
    public void Lcd_16x2_every_state()
    {
        Assert.Equal(
        [
            ["OK", "all checks pass"],
            ["OK", T],
            ["OK", Ip],
        ], Run(DisplayKind.Hd44780_16x2, Snapshots.Ok, 3, "ok"));
        Assert.Equal(
        [
            ["DEGRADED", "CloudTrax time:"],
            ["DEGRADED", "NTP timeout"],
            ["DEGRADED", T],
            ["DEGRADED", Ip],
        ], Run(DisplayKind.Hd44780_16x2, Snapshots.Degraded, 4, "degraded"));
        Assert.Equal(
        [
            ["FAILING      1/3", "DT manager:"],
            ["FAILING      1/3", "TLS intercepted"],
            ["FAILING      2/3", "CloudTrax cloud:"],
            ["FAILING      2/3", "blocked"],
            ["FAILING      2/3", "(timeout)"],
            ["FAILING      3/3", "CloudTrax time:"],
            ["FAILING      3/3", "NTP timeout"],
            ["FAILING", T],
            ["FAILING", Ip],
        ], Run(DisplayKind.Hd44780_16x2, Snapshots.Failing, 9, "failing"));
    }

    [Fact]
    public void Lcd_20x4_every_state()
    {
        Assert.Equal([["OK", "all checks pass", "", ""], ["OK", T, Ip, ""]], Run(DisplayKind.Hd44780_20x4, Snapshots.Ok, 2, "ok"));
        Assert.Equal([["DEGRADED", "CloudTrax time:", "NTP timeout", ""], ["DEGRADED", T, Ip, ""]],
            Run(DisplayKind.Hd44780_20x4, Snapshots.Degraded, 2, "degraded"));
        Assert.Equal(
        [
            ["FAILING          1/3", "DT manager:", "TLS intercepted", ""],
            ["FAILING          2/3", "CloudTrax cloud:", "blocked (timeout)", ""],
            ["FAILING          3/3", "CloudTrax time:", "NTP timeout", ""],
            ["FAILING", T, Ip, ""],
        ], Run(DisplayKind.Hd44780_20x4, Snapshots.Failing, 4, "failing"));
    }

    [Theory]
    [InlineData(DisplayKind.Hd44780_16x2)]
    [InlineData(DisplayKind.Hd44780_20x4)]
    public void Lcd_stalled_and_starting(DisplayKind kind)
    {
        using var rig = new PanelRig(kind);
        rig.Host.Tick();
        Assert.Equal("STARTING", rig.Seen()[0]);
        rig.Status(Snapshots.Ok);
        rig.Clock.Advance(TimeSpan.FromSeconds(95));
        var round = rig.Round(4, beat: false);
        Assert.All(round, seen => Assert.Equal("STALLED", seen[0]));
        Assert.Contains(round, seen => seen[1] == "monitor stalled,");
        Assert.DoesNotContain(round, seen => seen.Any(l => l.Contains("OK", StringComparison.Ordinal) || l.Contains("all checks", StringComparison.Ordinal)));
        rig.Picture($"{Name(kind)}-stalled");
    }

    [Fact]
    public void Lcd_identify_blinks_the_backlight()
    {
        using var rig = new PanelRig(DisplayKind.Hd44780_16x2);
        rig.Status(Snapshots.Ok);
        rig.Host.Tick();
        Assert.True(rig.Lcd().Backlight);
        Assert.False(rig.Lcd().CursorShown);
        rig.Host.Identify(TimeSpan.FromSeconds(5));
        rig.Host.Tick();
        Assert.False(rig.Lcd().Backlight);
        Assert.Equal("IDENTIFY", rig.Seen()[0]);
        rig.Clock.AdvanceMs(500);
        rig.Host.Tick();
        Assert.True(rig.Lcd().Backlight);
    }
}

using EdgeMonitor.Configuration;
using EdgeMonitor.Indicators.Display;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Indicators.Display;

/// <summary>A missing or unplugged panel: one log line, retries, and the status stream never notices.</summary>
public sealed class DisplayHostTests
{
    private static int Errors(PanelRig rig) => rig.Log.Lines.Count(l => l.StartsWith("Error", StringComparison.Ordinal));

    [Fact]
    public void A_bus_that_does_not_exist_is_one_log_line_and_nothing_else()
    {
        // The real Linux I2C device: no /dev/i2c-250 here.
        using var rig = new PanelRig(DisplayKind.Ssd1306_128x64, open: DisplayPanels.OpenI2c);
        rig.Config.Bus = 250;
        for (int i = 0; i < 10; i++)
        {
            rig.Status(i % 2 == 0 ? Snapshots.Failing : Snapshots.Ok);
            rig.Host.Tick();
            rig.Clock.Advance(TimeSpan.FromSeconds(20));
        }
        Assert.Equal(1, Errors(rig));
        Assert.Contains("/dev/i2c-250", rig.Log.Lines.Single(l => l.StartsWith("Error", StringComparison.Ordinal)));
        Assert.Null(rig.Host.Panel);
    }

    [Fact]
    public void An_unplugged_panel_is_one_line_then_comes_back_showing_the_current_status()
    {
        using var rig = new PanelRig(DisplayKind.Hd44780_20x4);
        rig.Status(Snapshots.Ok);
        rig.Host.Tick();
        Assert.Equal("OK", rig.Seen()[0]);

        rig.Device.Unplugged = true;
        rig.Status(Snapshots.Failing);
        for (int i = 0; i < 5; i++)
        {
            rig.Host.Tick();
            rig.Clock.Advance(TimeSpan.FromSeconds(10));
            rig.Status(Snapshots.Failing);
        }
        Assert.Equal(1, Errors(rig));
        Assert.Contains("Error 121", rig.Log.Lines.Single(l => l.StartsWith("Error", StringComparison.Ordinal)));

        // Plugged back (a fresh panel, as after a power cut): set up again, then today's status.
        rig.Device.Unplugged = false;
        rig.Clock.Advance(DisplayHost.RetryAfter);
        rig.Status(Snapshots.Failing);
        rig.Host.Tick();
        Assert.Contains(rig.Log.Lines, l => l.Contains("works again", StringComparison.Ordinal));
        Assert.StartsWith("FAILING", rig.Seen()[0]);
    }

    [Fact]
    public void Exit_leaves_the_panel_dark()
    {
        var rig = new PanelRig(DisplayKind.Ssd1306_128x32);
        rig.Status(Snapshots.Ok);
        rig.Host.Tick();
        Assert.True(rig.Oled().On);
        rig.Dispose();
        Assert.False(rig.Oled().On);
        Assert.True(rig.Device.Disposed);
    }

    [Fact]
    public void The_thread_follows_the_status_stream()
    {
        using var rig = new PanelRig(DisplayKind.Hd44780_16x2);
        // The real clock here: the host's own thread does the drawing.
        var host = new DisplayHost(rig.Config, PanelRig.Site, PanelRig.Node, TimeSpan.Zero, rig.Log.Logger, TimeProvider.System,
            () => DisplayPanels.Open(rig.Config, (_, _) => rig.Device), () => PanelRig.Address);
        try
        {
            host.StartThread();
            host.OnStatus(StatusChange.Between(StatusSnapshot.Empty, Snapshots.Failing, DateTimeOffset.UtcNow));
            Assert.True(SpinWait.SpinUntil(() => rig.Lcd().Lines()[0].StartsWith("FAILING", StringComparison.Ordinal), TimeSpan.FromSeconds(20)),
                string.Join(" | ", rig.Lcd().Lines()));
        }
        finally
        {
            host.Dispose();
        }
    }
}

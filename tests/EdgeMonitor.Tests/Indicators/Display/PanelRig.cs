using EdgeMonitor.Configuration;
using EdgeMonitor.Indicators.Display;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Indicators;

namespace EdgeMonitor.Tests.Indicators.Display;

/// <summary>
/// The display host with the real bindings writing to a recording I2C device and a manual clock;
/// <see cref="Seen"/> decodes the bytes into what the panel shows.
/// </summary>
public sealed class PanelRig : IDisposable
{
    public ManualClock Clock { get; } = new();
    public LogCapture Log { get; } = new();
    public DisplayConfig Config { get; }
    public RecordingI2cDevice Device { get; }
    public DisplayHost Host { get; }

    public const string Site = "shop-12", Node = "edge-1", Address = "IP 192.0.2.10";

    public PanelRig(DisplayKind kind, int rotation = 0, Func<int, int, System.Device.I2c.I2cDevice>? open = null)
    {
        Config = new DisplayConfig { Kind = kind, Rotation = rotation };
        Device = new RecordingI2cDevice(Config.Bus, Config.AddressOrDefault);
        Host = new DisplayHost(Config, Site, Node, TimeSpan.FromSeconds(90), Log.Logger, Clock,
            () => DisplayPanels.Open(Config, open ?? ((_, _) => Device)), () => Address);
    }

    public void Dispose() => Host.Dispose();

    public bool IsOled => Config.Kind is DisplayKind.Ssd1306_128x64 or DisplayKind.Ssd1306_128x32;
    public int Width => 128;
    public int Height => Config.Kind == DisplayKind.Ssd1306_128x64 ? 64 : 32;
    public (int Cols, int Rows) Chars => Config.Kind == DisplayKind.Hd44780_20x4 ? (20, 4) : (16, 2);

    public void Status(StatusSnapshot s) => Host.OnStatus(StatusChange.Between(StatusSnapshot.Empty, s, Clock.GetUtcNow()));

    /// <summary>Ticks through one round of screens (one tick per cycleSeconds) and returns what each showed.</summary>
    /// <param name="beat">Heartbeats between ticks, as a monitor that makes progress sends them.</param>
    public List<string[]> Round(int screens, bool beat = true)
    {
        var seen = new List<string[]>();
        for (int i = 0; i < screens; i++)
        {
            Host.Tick();
            seen.Add(Seen());
            Clock.Advance(TimeSpan.FromSeconds(Config.CycleSeconds));
            if (beat)
                Host.OnProgress(new MonitorProgress(Clock.GetUtcNow(), 0, 0, true, ""));
        }
        return seen;
    }

    /// <summary>
    /// What a person reads off the panel: an LCD's rows; an OLED's lines top down (title, the big
    /// headline with its counter, detail rows, address), read back with the font from the glass.
    /// </summary>
    public string[] Seen()
    {
        if (!IsOled)
            return Hd44780Model.Replay(Device.Writes, Chars.Cols, Chars.Rows).Lines();
        bool[,] glass = Glass();
        string Big(int y)
        {
            string head = Ssd1306Model.Read(glass, y, scale: 2, cells: 8);
            string counter = Ssd1306Model.Read(glass, y + 4, firstCell: 17).Trim();
            return counter.Length > 0 ? $"{head} {counter}" : head;
        }
        return Height == 64
            ? [Ssd1306Model.Read(glass, 0), Big(8), .. new[] { 24, 32, 40, 48 }.Select(y => Ssd1306Model.Read(glass, y)), Ssd1306Model.Read(glass, 56)]
            : [Big(0), Ssd1306Model.Read(glass, 16), Ssd1306Model.Read(glass, 24)];
    }

    public Ssd1306Model Oled() => Ssd1306Model.Replay(Device.Writes, Width, Height);
    public bool[,] Glass() => Oled().Glass();
    public Hd44780Model Lcd() => Hd44780Model.Replay(Device.Writes, Chars.Cols, Chars.Rows);

    /// <summary>The panel as a picture in the artefact directory; returns its path.</summary>
    public string Picture(string name)
    {
        string path = Path.Combine(Png.ArtefactDir, $"display-{name}.png");
        if (IsOled)
        {
            Png.Oled(path, Glass());
        }
        else
        {
            Hd44780Model lcd = Lcd();
            Png.Lcd(path, lcd.Cells(), lcd.Backlight);
        }
        return path;
    }
}

/// <summary>The pictures the tests use: ok, degraded, failing (three groups, two CloudTrax profiles sharing one cloud).</summary>
public static class Snapshots
{
    private static GroupStatus G(string profile, string id, Status s, Reason reason) => new(profile, id, s, reason, "");

    public static StatusSnapshot Ok { get; } = new(Status.Ok, Reason.Ok, [],
        [G("dt-ccon-gen2", "manager", Status.Ok, Reason.Ok), G("cloudtrax-ap", "cloud", Status.Ok, Reason.Ok)], []);

    public static StatusSnapshot Degraded { get; } = new(Status.Degraded, Reason.NtpTimeout, [],
        [G("dt-ccon-gen2", "manager", Status.Ok, Reason.Ok), G("cloudtrax-ap", "ntp", Status.Degraded, Reason.NtpTimeout)], []);

    public static StatusSnapshot Failing { get; } = new(Status.Failing, Reason.TlsIntercepted, [],
    [
        G("dt-ccon-gen2", "manager", Status.Failing, Reason.TlsIntercepted),
        G("cloudtrax-ap", "ntp", Status.Degraded, Reason.NtpTimeout),
        G("cloudtrax-ap", "cloud", Status.Failing, Reason.TcpTimeout),
        G("cloudtrax-switch", "cloud", Status.Failing, Reason.TcpTimeout),
        G("dt-ccon-gen2", "est", Status.Ok, Reason.Ok),
    ], []);
}

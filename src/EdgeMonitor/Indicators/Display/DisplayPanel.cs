using System.Device.I2c;
using EdgeMonitor.Configuration;

namespace EdgeMonitor.Indicators.Display;

/// <summary>
/// One physical panel. <see cref="Show"/> draws a whole screen (only what changed goes over the
/// bus); <paramref name="highlight"/> is the identify blink (OLED inverted, LCD backlight off).
/// I2C errors come out as <see cref="IOException"/>: the host logs them and reopens later.
/// </summary>
public interface IDisplayPanel : IDisposable
{
    string Describe { get; }
    PanelGeometry Geometry { get; }
    void Show(IReadOnlyList<DisplayLine> screen, bool highlight);

    /// <summary>Everything dark, for a clean exit.</summary>
    void Blank();
}

/// <summary>Opens the configured panel through Iot.Device.Bindings over an I2C device.</summary>
public static class DisplayPanels
{
    /// <summary>/dev/i2c-BUS at ADDRESS; tests pass a recording device instead.</summary>
    public static I2cDevice OpenI2c(int bus, int address) => I2cDevice.Create(new I2cConnectionSettings(bus, address));

    public static IDisplayPanel Open(DisplayConfig config, Func<int, int, I2cDevice>? openDevice = null)
    {
        I2cDevice device = (openDevice ?? OpenI2c)(config.Bus, config.AddressOrDefault);
        string where = $"i2c-{config.Bus} 0x{config.AddressOrDefault:x2}";
        try
        {
            return config.Kind switch
            {
                DisplayKind.Ssd1306_128x64 => new Ssd1306Panel(device, 128, 64, config, where),
                DisplayKind.Ssd1306_128x32 => new Ssd1306Panel(device, 128, 32, config, where),
                DisplayKind.Hd44780_20x4 => new CharacterLcdPanel(device, 20, 4, config, where),
                DisplayKind.Hd44780_16x2 => new CharacterLcdPanel(device, 16, 2, config, where),
                _ => throw new InvalidOperationException("display is off"),
            };
        }
        catch
        {
            device.Dispose();
            throw;
        }
    }
}

using System.Device.I2c;
using EdgeMonitor.Configuration;
using Iot.Device.CharacterLcd;

namespace EdgeMonitor.Indicators.Display;

/// <summary>
/// An HD44780 character LCD on a PCF8574 I2C backpack, through Iot.Device.Bindings'
/// <see cref="LcdInterface.CreateI2c"/> in 4-bit mode (P0 RS, P1 RW, P2 E, P3 backlight, P4..P7 D4..D7).
/// Rows are rewritten only when their text changes: each character is four I2C writes.
/// </summary>
public sealed class CharacterLcdPanel : IDisplayPanel
{
    private readonly I2cDevice _device;
    private readonly Hd44780 _lcd;
    private readonly bool _backlight;
    private readonly string?[] _rows;
    private bool? _lit;

    public CharacterLcdPanel(I2cDevice device, int cols, int rows, DisplayConfig config, string where)
    {
        _device = device;
        _backlight = config.Backlight;
        Describe = $"hd44780 {cols}x{rows} (pcf8574) on {where}";
        Geometry = PanelGeometry.For(rows == 4 ? DisplayKind.Hd44780_20x4 : DisplayKind.Hd44780_16x2);
        LcdInterface bus = LcdInterface.CreateI2c(device, uses8Bit: false);
        _lcd = rows == 4 ? new Lcd2004(bus) : new Lcd1602(bus);
        _lcd.UnderlineCursorVisible = false;
        _lcd.BlinkingCursorVisible = false;
        _lcd.Clear();
        _rows = new string?[rows];
    }

    public string Describe { get; }
    public PanelGeometry Geometry { get; }

    public void Show(IReadOnlyList<DisplayLine> screen, bool highlight)
    {
        int cols = Geometry.Cols;
        for (int r = 0; r < _rows.Length; r++)
        {
            string text = r < screen.Count ? Row(screen[r], cols) : new string(' ', cols);
            if (text == _rows[r])
                continue;
            _lcd.SetCursorPosition(0, r);
            _lcd.Write(text);
            _rows[r] = text;
        }
        bool lit = _backlight && !highlight;
        if (lit != _lit)
        {
            _lcd.BacklightOn = lit;
            _lit = lit;
        }
    }

    /// <summary>Text left, counter right, padded to the width; the LCD's ROM has a yen sign and arrows where ASCII has \ and ~.</summary>
    public static string Row(DisplayLine line, int cols)
    {
        string right = line.Right;
        int room = cols - (right.Length > 0 ? right.Length + 1 : 0);
        string left = line.Text.Length <= room ? line.Text : line.Text[..room];
        string row = right.Length > 0 ? left.PadRight(cols - right.Length) + right : left.PadRight(cols);
        return Font5x7.Printable(row).Replace('\\', '/').Replace('~', '-');
    }

    public void Blank()
    {
        _lcd.Clear();
        _lcd.BacklightOn = false;
        Array.Clear(_rows);
        _lit = false;
    }

    public void Dispose()
    {
        // The binding's Hd44780 disposes its LcdInterface; the I2C-backpack one leaves the device open.
        _lcd.Dispose();
        _device.Dispose();
    }
}

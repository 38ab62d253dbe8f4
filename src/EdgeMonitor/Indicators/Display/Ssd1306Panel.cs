using System.Device.I2c;
using EdgeMonitor.Configuration;
using Iot.Device.Ssd13xx;
using Iot.Device.Ssd13xx.Commands;
using Ssd1306Cmd = Iot.Device.Ssd13xx.Commands.Ssd1306Commands;

namespace EdgeMonitor.Indicators.Display;

/// <summary>
/// An SSD1306 OLED through Iot.Device.Bindings' <see cref="Ssd1306"/>: its commands and
/// <see cref="Ssd13xx.SendData"/> carry our own framebuffer. Its drawing API
/// (<c>DrawBitmap</c>, <c>ClearScreen</c>) needs a BitmapImage factory (SkiaSharp adapter)
/// registered at run time, which native AOT does not want; and its 4.2.0 set-up is for 32-row
/// panels only (multiplex 32, sequential COM pins, pages 0..3). So the class below clears with
/// raw bytes and a 64-row panel gets its multiplex, COM pins and page range set after the binding's.
/// </summary>
public sealed class Ssd1306Panel : IDisplayPanel
{
    private readonly OwnSsd1306 _oled;
    private readonly int _width, _height;
    private byte[]? _shown;
    private bool _inverted;

    /// <summary>The binding's class with its bitmap path replaced by raw GDDRAM writes.</summary>
    private sealed class OwnSsd1306(I2cDevice device, int width, int height) : Ssd1306(device, width, height)
    {
        // Called by the binding's own constructor: keep to base members only.
        public override void ClearScreen()
        {
            SetStartAddress();
            SendData(new byte[ScreenWidth * ScreenHeight / 8]);
        }

        protected override void SetStartAddress()
        {
            SendCommand(new Ssd1306Cmd.SetColumnAddress(0, (byte)(ScreenWidth - 1)));
            SendCommand(new Ssd1306Cmd.SetPageAddress(Ssd1306Cmd.PageAddress.Page0, (Ssd1306Cmd.PageAddress)(ScreenHeight / 8 - 1)));
        }

        public void Frame(byte[] gddram)
        {
            SetStartAddress();
            SendData(gddram);
        }
    }

    public Ssd1306Panel(I2cDevice device, int width, int height, DisplayConfig config, string where)
    {
        _width = width;
        _height = height;
        Describe = $"ssd1306 {width}x{height} on {where}";
        Geometry = PanelGeometry.For(height == 64 ? DisplayKind.Ssd1306_128x64 : DisplayKind.Ssd1306_128x32);
        _oled = new OwnSsd1306(device, width, height);
        _oled.SendCommand(new SetDisplayOff());
        _oled.SendCommand(new SetMultiplexRatio((byte)(height - 1)));
        // 64-row glass is wired for alternative COM pins, 32-row glass for sequential ones.
        _oled.SendCommand(new Ssd1306Cmd.SetComPinsHardwareConfiguration(alternativeComPinConfiguration: height == 64));
        // Upright is column 127 on SEG0 and COM scan from the bottom (A1, C8); 180 degrees flips both.
        bool upright = config.Rotation == 0;
        _oled.SendCommand(new Ssd1306Cmd.SetSegmentReMap(columnAddress127: upright));
        _oled.SendCommand(new Ssd1306Cmd.SetComOutputScanDirection(normalMode: !upright));
        _oled.SendCommand(new SetContrastControlForBank0((byte)config.Contrast));
        _oled.ClearScreen();
        _oled.SendCommand(new SetDisplayOn());
    }

    public string Describe { get; }
    public PanelGeometry Geometry { get; }

    public void Show(IReadOnlyList<DisplayLine> screen, bool highlight)
    {
        byte[] frame = Framebuffer.Render(screen, _width, _height).Bytes;
        if (_shown is null || !frame.AsSpan().SequenceEqual(_shown))
        {
            _oled.Frame(frame);
            _shown = frame;
        }
        if (highlight != _inverted)
        {
            if (highlight)
                _oled.SendCommand(new SetInverseDisplay());
            else
                _oled.SendCommand(new Ssd1306Cmd.SetNormalDisplay());
            _inverted = highlight;
        }
    }

    public void Blank()
    {
        _oled.SendCommand(new SetDisplayOff());
        _shown = null;
    }

    public void Dispose() => _oled.Dispose();
}

using EdgeMonitor.Indicators.Display;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Indicators.Display;

/// <summary>
/// What an SSD1306 module shows, rebuilt from the bytes written to it (datasheet rev 1.1, sections
/// 8.7 and 10): the command interpreter with its argument counts, GDDRAM (128 x 8 pages) with the
/// horizontal/page addressing pointer, and the glass: segment remap (A0/A1), COM scan direction
/// (C0/C8), multiplex ratio, COM pin configuration (DA: a 64-row module's glass is wired for the
/// alternative layout, a 32-row one for the sequential), start line, inverse, display on/off. The
/// common modules read upright with A1 and C8 (the Adafruit and luma.oled set-up).
/// </summary>
public sealed class Ssd1306Model(int width, int height)
{
    private readonly byte[,] _ram = new byte[8, 128];
    private int _col, _page, _colStart, _colEnd = 127, _pageStart, _pageEnd = 7, _mode = 2;
    private int _mux = 64, _startLine;
    private bool _alternativeCom = true, _segRemap, _comDecrement, _inverse, _on, _entireOn;

    public int Contrast { get; private set; } = 0x7F;
    public bool On => _on;
    public bool Inverse => _inverse;

    public static Ssd1306Model Replay(IEnumerable<byte[]> writes, int width, int height)
    {
        var m = new Ssd1306Model(width, height);
        foreach (byte[] w in writes)
            m.Transaction(w);
        return m;
    }

    public void Transaction(byte[] bytes)
    {
        Assert.True(bytes.Length >= 2, "an SSD1306 transaction is a control byte and at least one more");
        byte control = bytes[0];
        if (control == 0x40)
        {
            foreach (byte b in bytes.AsSpan(1))
                Data(b);
            return;
        }
        Assert.Equal(0x00, control);
        int i = 1;
        while (i < bytes.Length)
        {
            byte c = bytes[i++];
            byte Arg() => i < bytes.Length ? bytes[i++] : throw new Xunit.Sdk.XunitException($"command 0x{c:x2} without its argument");
            switch (c)
            {
                case 0xAE: _on = false; break;
                case 0xAF: _on = true; break;
                case 0xA0: _segRemap = false; break;
                case 0xA1: _segRemap = true; break;
                case 0xC0: _comDecrement = false; break;
                case 0xC8: _comDecrement = true; break;
                case 0xA6: _inverse = false; break;
                case 0xA7: _inverse = true; break;
                case 0xA4: _entireOn = false; break;
                case 0xA5: _entireOn = true; break;
                case 0x81: Contrast = Arg(); break;
                case 0xA8: _mux = (Arg() & 0x3F) + 1; break;
                case 0xDA: _alternativeCom = (Arg() & 0x10) != 0; break;
                case 0xD3: Assert.Equal(0, Arg()); break;
                case 0x20: _mode = Arg() & 3; break;
                case 0x21: _colStart = Arg() & 0x7F; _colEnd = Arg() & 0x7F; _col = _colStart; break;
                case 0x22: _pageStart = Arg() & 7; _pageEnd = Arg() & 7; _page = _pageStart; break;
                case 0xD5 or 0x8D or 0xD9 or 0xDB: Arg(); break;
                case 0x2E or 0x2F or 0xE3: break;
                case >= 0x40 and <= 0x7F: _startLine = c - 0x40; break;
                case >= 0xB0 and <= 0xB7: _page = c - 0xB0; break;
                case <= 0x0F: _col = (_col & 0xF0) | c; break;
                case <= 0x1F: _col = (_col & 0x0F) | ((c & 0x0F) << 4); break;
                default: throw new Xunit.Sdk.XunitException($"command 0x{c:x2} is not one this model knows");
            }
        }
    }

    private void Data(byte b)
    {
        _ram[_page, _col] = b;
        if (_col < _colEnd)
        {
            _col++;
            return;
        }
        _col = _colStart;
        if (_mode == 0)
            _page = _page < _pageEnd ? _page + 1 : _pageStart;
    }

    /// <summary>The glass as a person sees it: [x, y] lit.</summary>
    public bool[,] Glass()
    {
        var img = new bool[width, height];
        if (!_on)
            return img;
        for (int k = 0; k < _mux; k++)
        {
            int row = (k + _startLine) % 64;
            // COM pins as the controller drives them, then as the glass is wired.
            int glassRow = _alternativeCom == (height == 64) ? k
                : _alternativeCom ? (k % 2 == 0 ? k / 2 : height / 2 + k / 2)
                : (k < 32 ? 2 * k : 2 * (k - 32) + 1);
            if (!_comDecrement)
                glassRow = height - 1 - glassRow;
            if (glassRow < 0 || glassRow >= height)
                continue;
            for (int col = 0; col < width; col++)
            {
                bool lit = _entireOn || (_ram[row / 8, col] & (1 << (row % 8))) != 0;
                int x = _segRemap ? col : width - 1 - col;
                img[x, glassRow] = lit != _inverse;
            }
        }
        return img;
    }

    /// <summary>Reads text off the glass on the 6-pixel grid the renderer uses (x from 1); '?' where no glyph fits.</summary>
    public static string Read(bool[,] glass, int y, int scale = 1, int firstCell = 0, int cells = -1)
    {
        int width = glass.GetLength(0);
        int total = (width - 2) / (Font5x7.CellWidth * scale);
        if (cells < 0)
            cells = total - firstCell;
        var sb = new System.Text.StringBuilder();
        for (int cell = firstCell; cell < firstCell + cells; cell++)
        {
            int x0 = 1 + cell * Font5x7.CellWidth * scale;
            char found = '?';
            for (char c = Font5x7.First; c <= Font5x7.Last && found == '?'; c++)
            {
                ReadOnlySpan<byte> g = Font5x7.Glyph(c);
                foreach (bool inverse in (ReadOnlySpan<bool>)[false, true])
                {
                    bool match = true;
                    for (int col = 0; col < Font5x7.Width && match; col++)
                        for (int r = 0; r < Font5x7.Height && match; r++)
                            match = glass[x0 + col * scale, y + r * scale] == (((g[col] >> r) & 1) == 1) != inverse;
                    if (match)
                    {
                        found = c;
                        break;
                    }
                }
            }
            sb.Append(found);
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>Whether the 8-pixel band from y is lit behind its text (an inverted line).</summary>
    public static bool Banded(bool[,] glass, int y) => glass[0, y] && glass[glass.GetLength(0) - 1, y];
}

using EdgeMonitor.Configuration;


namespace EdgeMonitor.Indicators.Display;

/// <summary>
/// A 1-bit picture in SSD1306 GDDRAM order: page p (8 rows), column x, bit y%8. What
/// <see cref="Render"/> makes is what goes to the panel byte for byte.
/// </summary>
public sealed class Framebuffer
{
    public int Width { get; }
    public int Height { get; }
    public byte[] Bytes { get; }

    public Framebuffer(int width, int height)
    {
        Width = width;
        Height = height;
        Bytes = new byte[width * height / 8];
    }

    public bool this[int x, int y] => (Bytes[(y / 8) * Width + x] & (1 << (y % 8))) != 0;

    public void Set(int x, int y, bool on)
    {
        if ((uint)x >= Width || (uint)y >= Height)
            return;
        int i = (y / 8) * Width + x;
        Bytes[i] = on ? (byte)(Bytes[i] | (1 << (y % 8))) : (byte)(Bytes[i] & ~(1 << (y % 8)));
    }

    /// <summary>Text in the 5x7 font from (x, y), each dot <paramref name="scale"/> pixels square; lit dots dark when inverse.</summary>
    public void Text(int x, int y, string text, int scale = 1, bool inverse = false)
    {
        foreach (char c in text)
        {
            ReadOnlySpan<byte> g = Font5x7.Glyph(c);
            for (int col = 0; col < Font5x7.Width; col++)
            {
                for (int row = 0; row < Font5x7.Height; row++)
                {
                    if ((g[col] & (1 << row)) == 0)
                        continue;
                    for (int dx = 0; dx < scale; dx++)
                        for (int dy = 0; dy < scale; dy++)
                            Set(x + col * scale + dx, y + row * scale + dy, !inverse);
                }
            }
            x += Font5x7.CellWidth * scale;
        }
    }

    public void Fill(int y, int height, bool on)
    {
        for (int yy = y; yy < y + height; yy++)
            for (int x = 0; x < Width; x++)
                Set(x, yy, on);
    }

    /// <summary>
    /// A screen laid out top down: small lines 8 pixels, big ones 16, text on a grid of 6-pixel
    /// cells from x = 1 (21 cells on 128 pixels); a line's right-hand text ends on that grid too.
    /// </summary>
    public static Framebuffer Render(IReadOnlyList<DisplayLine> screen, int width, int height)
    {
        var fb = new Framebuffer(width, height);
        int cols = (width - 2) / Font5x7.CellWidth, y = 0;
        foreach (DisplayLine line in screen)
        {
            int scale = line.Big ? 2 : 1, h = Font5x7.CellHeight * scale;
            if (line.Inverse)
                fb.Fill(y, h, true);
            int rightCols = line.Right.Length;
            int room = (cols - (rightCols > 0 ? rightCols + 1 : 0)) / scale;
            fb.Text(1, y, line.Text.Length <= room ? line.Text : line.Text[..room], scale, line.Inverse);
            if (rightCols > 0)
                fb.Text(1 + (cols - rightCols) * Font5x7.CellWidth, y + (h - Font5x7.CellHeight) / 2, line.Right, 1, line.Inverse);
            y += h;
        }
        return fb;
    }
}

using System.Buffers.Binary;
using System.IO.Compression;
using EdgeMonitor.Indicators.Display;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Indicators.Display;

/// <summary>A tiny PNG writer (RGB, 8 bits, no interlace; zlib from System.IO.Compression) and the panel pictures.</summary>
public static class Png
{
    public static string ArtefactDir
    {
        get
        {
            string dir = Environment.GetEnvironmentVariable("EDGEMONITOR_ARTEFACTS") is { Length: > 0 } d
                ? d : Path.Combine(AppContext.BaseDirectory, "artefacts", "display");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public static void Write(string path, int width, int height, Func<int, int, int> rgbAt)
    {
        var raw = new byte[height * (1 + width * 3)];
        for (int y = 0, i = 0; y < height; y++)
        {
            raw[i++] = 0; // filter: none
            for (int x = 0; x < width; x++)
            {
                int c = rgbAt(x, y);
                raw[i++] = (byte)(c >> 16);
                raw[i++] = (byte)(c >> 8);
                raw[i++] = (byte)c;
            }
        }
        using var zs = new MemoryStream();
        using (var z = new ZLibStream(zs, CompressionLevel.SmallestSize, leaveOpen: true))
            z.Write(raw);
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        ihdr[8] = 8;
        ihdr[9] = 2;
        using var f = File.Create(path);
        f.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        Chunk(f, "IHDR", ihdr);
        Chunk(f, "IDAT", zs.ToArray());
        Chunk(f, "IEND", []);
    }

    private static void Chunk(Stream s, string type, byte[] data)
    {
        Span<byte> n = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(n, data.Length);
        s.Write(n);
        byte[] body = [.. type.Select(c => (byte)c), .. data];
        s.Write(body);
        BinaryPrimitives.WriteUInt32BigEndian(n, Crc32(body));
        s.Write(n);
    }

    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>The OLED glass, 4 screen pixels per panel pixel, lit dots pale blue on black.</summary>
    public static void Oled(string path, bool[,] glass)
    {
        const int s = 4, b = 8;
        int w = glass.GetLength(0), h = glass.GetLength(1);
        Write(path, w * s + 2 * b, h * s + 2 * b, (x, y) =>
        {
            int gx = (x - b) / s, gy = (y - b) / s;
            if (x < b || y < b || gx >= w || gy >= h)
                return 0x202020;
            bool gap = (x - b) % s == s - 1 || (y - b) % s == s - 1;
            return glass[gx, gy] && !gap ? 0xCFEFFF : 0x050505;
        });
    }

    /// <summary>A character LCD: 5x8-dot cells, white on blue with the backlight on, dim without.</summary>
    public static void Lcd(string path, string[] cells, bool backlight)
    {
        const int s = 4, cellW = 6, cellH = 9, b = 6;
        int cols = cells[0].Length, rows = cells.Length;
        int bg = backlight ? 0x1F4FC8 : 0x0B1A40, off = backlight ? 0x2C62E0 : 0x10245A, on = backlight ? 0xEAF2FF : 0x5A6A90;
        Write(path, (cols * cellW + 1 + 2 * b) * s, (rows * cellH + 1 + 2 * b) * s, (x, y) =>
        {
            int dx = x / s - b - 1, dy = y / s - b - 1;
            if (dx < 0 || dy < 0 || x % s == s - 1 || y % s == s - 1)
                return bg;
            int col = dx / cellW, row = dy / cellH, px = dx % cellW, py = dy % cellH;
            if (col >= cols || row >= rows || px >= 5 || py >= 8)
                return bg;
            if (py == 7)
                return off;
            byte g = Font5x7.Glyph(cells[row][col])[px];
            return ((g >> py) & 1) != 0 ? on : off;
        });
    }
}

using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Indicators.Display;

/// <summary>
/// What an HD44780 behind a PCF8574 backpack shows, rebuilt from the bytes written to the
/// expander (P0 RS, P1 RW, P2 E, P3 backlight, P4..P7 D4..D7). The controller latches D7..D4
/// on each falling edge of E; it powers up in 8-bit mode (one strobe, one instruction) until a
/// function set with DL=0 switches it to two strobes per byte (HD44780U datasheet, figure 24).
/// DDRAM rows start at 0x00, 0x40, 0x14, 0x54.
/// </summary>
public sealed class Hd44780Model(int cols, int rows)
{
    private readonly byte[] _ddram = Enumerable.Repeat((byte)' ', 128).ToArray();
    private bool _fourBit, _haveHigh, _lastE, _increment = true;
    private int _high, _ac;

    public bool DisplayOn { get; private set; }
    public bool Backlight { get; private set; }
    public bool CursorShown { get; private set; }
    public int Instructions { get; private set; }

    public static Hd44780Model Replay(IEnumerable<byte[]> writes, int cols, int rows)
    {
        var m = new Hd44780Model(cols, rows);
        foreach (byte[] w in writes)
            foreach (byte b in w)
                m.Pins(b);
        return m;
    }

    private void Pins(byte p)
    {
        Backlight = (p & 0x08) != 0;
        bool e = (p & 0x04) != 0;
        if (_lastE && !e)
        {
            Assert.True((p & 0x02) == 0, "RW high: this backpack writes only");
            Strobe((p & 0x01) != 0, p >> 4);
        }
        _lastE = e;
    }

    private void Strobe(bool rs, int nibble)
    {
        if (!_fourBit)
        {
            if (!rs)
                Instruction(nibble << 4);
            return;
        }
        if (!_haveHigh)
        {
            _high = nibble;
            _haveHigh = true;
            return;
        }
        _haveHigh = false;
        int value = (_high << 4) | nibble;
        if (rs)
        {
            _ddram[_ac & 0x7F] = (byte)value;
            _ac = (_ac + (_increment ? 1 : -1)) & 0x7F;
        }
        else
        {
            Instruction(value);
        }
    }

    private void Instruction(int i)
    {
        Instructions++;
        if (i >= 0x80)
            _ac = i & 0x7F;
        else if (i >= 0x40)
            { } // CGRAM address: no custom characters are drawn
        else if (i >= 0x20)
            _fourBit = (i & 0x10) == 0;
        else if (i >= 0x08)
        {
            if (i < 0x10)
            {
                DisplayOn = (i & 0x04) != 0;
                CursorShown = (i & 0x03) != 0;
            }
        }
        else if (i >= 0x04)
            _increment = (i & 0x02) != 0;
        else if (i >= 0x02)
            _ac = 0;
        else if (i == 0x01)
        {
            Array.Fill(_ddram, (byte)' ');
            _ac = 0;
            _increment = true;
        }
    }

    /// <summary>The rows as a person reads them (nothing when the display is off), right-trimmed.</summary>
    public string[] Lines()
    {
        int[] starts = [0x00, 0x40, 0x14, 0x54];
        return [.. Enumerable.Range(0, rows).Select(r => DisplayOn
            ? new string([.. _ddram.AsSpan(starts[r], cols).ToArray().Select(b => (char)b)]).TrimEnd()
            : "")];
    }

    /// <summary>Every character of every row, untrimmed (for the picture).</summary>
    public string[] Cells() => [.. Enumerable.Range(0, rows).Select(r =>
        new string([.. _ddram.AsSpan(new[] { 0x00, 0x40, 0x14, 0x54 }[r], cols).ToArray().Select(b => (char)b)]))];
}

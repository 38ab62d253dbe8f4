using System.Globalization;
using EdgeMonitor.Indicators.Interop;
using EdgeMonitor.Interop;
using Microsoft.Win32.SafeHandles;

namespace EdgeMonitor.Indicators;

/// <summary>
/// A GPIO chip through the character device uAPI v2 (&lt;linux/gpio.h&gt;): chip info, line
/// names to offsets, line requests. No libgpiod: a handful of ioctls. The GpioController face
/// of it is <see cref="CharacterDeviceDriver"/>.
/// </summary>
public sealed unsafe class GpioChip : IDisposable
{
    public const string Consumer = "edgemonitor";

    private readonly SafeFileHandle _fd;

    public string Path { get; }
    public string Name { get; }
    public string Label { get; }
    public int Lines { get; }

    private GpioChip(string path, SafeFileHandle fd, string name, string label, int lines)
    {
        Path = path;
        _fd = fd;
        Name = name;
        Label = label;
        Lines = lines;
    }

    /// <summary>"/dev/gpiochip0", "gpiochip0" or "0".</summary>
    public static string ResolvePath(string? chip)
    {
        if (string.IsNullOrWhiteSpace(chip))
            return "/dev/gpiochip0";
        if (chip.StartsWith('/'))
            return chip;
        return uint.TryParse(chip, NumberStyles.None, CultureInfo.InvariantCulture, out uint n) ? $"/dev/gpiochip{n}" : $"/dev/{chip}";
    }

    /// <summary>Opens a chip by path, name, number or label ("pinctrl-rp1": the header on a Pi 5 whatever its number).</summary>
    public static GpioChip Open(string? chip)
    {
        string path = ResolvePath(chip);
        if (!File.Exists(path) && chip is not null && !chip.StartsWith('/') && Directory.Exists("/dev"))
        {
            foreach (string dev in Directory.EnumerateFiles("/dev", "gpiochip*").Order(StringComparer.Ordinal))
            {
                GpioChip c;
                try
                {
                    c = OpenPath(dev);
                }
                catch (IndicatorException)
                {
                    continue;
                }
                if (c.Label == chip)
                    return c;
                c.Dispose();
            }
        }
        return OpenPath(path);
    }

    private static GpioChip OpenPath(string path)
    {
        SafeFileHandle fd = Libc.Open(path, Libc.O_RDWR | Libc.O_CLOEXEC);
        if (fd.IsInvalid)
            throw new IndicatorException($"cannot open GPIO chip {path}: {Libc.LastError()}");
        GpioChipInfo info;
        if (Libc.Ioctl(fd, Gpio.GetChipInfoIoctl, &info) < 0)
        {
            string err = Libc.LastError();
            fd.Dispose();
            throw new IndicatorException($"{path} is not a GPIO chip (GPIO_GET_CHIPINFO_IOCTL: {err})");
        }
        return new GpioChip(path, fd, Gpio.CString(info.Name, Gpio.MaxNameSize), Gpio.CString(info.Label, Gpio.MaxNameSize), (int)info.Lines);
    }

    /// <summary>Name, consumer and flags of one line.</summary>
    public (string Name, string Consumer, bool Used, bool Output) LineInfo(uint offset)
    {
        GpioV2LineInfo info = default;
        info.Offset = offset;
        if (Libc.Ioctl(_fd, Gpio.GetLineInfoIoctl, &info) < 0)
            throw new IndicatorException($"{Path}: line {offset}: GPIO_V2_GET_LINEINFO_IOCTL: {Libc.LastError()}");
        var flags = (GpioV2LineFlag)info.Flags;
        return (Gpio.CString(info.Name, Gpio.MaxNameSize), Gpio.CString(info.Consumer, Gpio.MaxNameSize),
            flags.HasFlag(GpioV2LineFlag.Used), flags.HasFlag(GpioV2LineFlag.Output));
    }

    /// <summary>A line number ("17") or a line name ("GPIO17", "LED_RED") to its offset on this chip.</summary>
    public uint FindLine(string line)
    {
        if (uint.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out uint n))
        {
            if (n >= Lines)
                throw new IndicatorException($"{Path} ({Label}) has lines 0..{Lines - 1}, not {n}");
            return n;
        }
        for (uint i = 0; i < Lines; i++)
        {
            if (LineInfo(i).Name == line)
                return i;
        }
        throw new IndicatorException($"{Path} ({Label}) has no line named '{line}'");
    }

    /// <summary>
    /// Requests lines in one GPIO_V2_GET_LINE_IOCTL. Every line gets <paramref name="flags"/>;
    /// lines whose request index is in <paramref name="activeLowMask"/> are active-low too
    /// (a FLAGS attribute); outputs start at <paramref name="outputBits"/> (an OUTPUT_VALUES
    /// attribute); inputs with edge flags get the kernel's debounce when <paramref name="debounceUs"/> is set.
    /// </summary>
    internal GpioLines Request(IReadOnlyList<uint> offsets, GpioV2LineFlag flags, ulong activeLowMask, uint eventBufferSize = 0,
        ulong outputBits = 0, uint debounceUs = 0)
    {
        if (offsets.Count is 0 or > Gpio.LinesMax)
            throw new ArgumentOutOfRangeException(nameof(offsets));
        GpioV2LineRequest req = default;
        for (int i = 0; i < offsets.Count; i++)
            req.Offsets[i] = offsets[i];
        ReadOnlySpan<byte> consumer = "edgemonitor"u8;
        for (int i = 0; i < consumer.Length; i++)
            req.Consumer[i] = consumer[i];
        req.NumLines = (uint)offsets.Count;
        req.EventBufferSize = eventBufferSize;
        req.Config.Flags = (ulong)flags;
        ulong all = offsets.Count == 64 ? ulong.MaxValue : (1UL << offsets.Count) - 1;
        uint n = 0;
        if ((activeLowMask & all) != 0)
        {
            req.Config.Attrs[(int)n].Attr.Id = (uint)GpioV2LineAttrId.Flags;
            req.Config.Attrs[(int)n].Attr.Flags = (ulong)(flags | GpioV2LineFlag.ActiveLow);
            req.Config.Attrs[(int)n].Mask = activeLowMask & all;
            n++;
        }
        if (flags.HasFlag(GpioV2LineFlag.Output))
        {
            req.Config.Attrs[(int)n].Attr.Id = (uint)GpioV2LineAttrId.OutputValues;
            req.Config.Attrs[(int)n].Attr.Values = outputBits & all;
            req.Config.Attrs[(int)n].Mask = all;
            n++;
        }
        if (debounceUs > 0 && flags.HasFlag(GpioV2LineFlag.Input))
        {
            req.Config.Attrs[(int)n].Attr.Id = (uint)GpioV2LineAttrId.Debounce;
            req.Config.Attrs[(int)n].Attr.DebouncePeriodUs = debounceUs;
            req.Config.Attrs[(int)n].Mask = all;
            n++;
        }
        req.Config.NumAttrs = n;
        if (Libc.Ioctl(_fd, Gpio.GetLineIoctl, &req) < 0)
        {
            throw new IndicatorException(
                $"{Path}: cannot request line(s) {string.Join(",", offsets)}: {Libc.LastError()} (in use? `gpioinfo` shows the consumer)");
        }
        return new GpioLines(Path, Libc.Own(req.Fd), offsets.Count);
    }

    public void Dispose() => _fd.Dispose();
}

/// <summary>Lines held by one request: values in, values out, edge events. Closing releases them.</summary>
public sealed unsafe class GpioLines : IDisposable
{
    private readonly SafeFileHandle _fd;

    public int Count { get; }
    public string Chip { get; }

    /// <summary>The request's descriptor: poll(2) and read(2) it for edge events.</summary>
    internal SafeFileHandle Handle => _fd;

    internal GpioLines(string chip, SafeFileHandle fd, int count)
    {
        Chip = chip;
        _fd = fd;
        Count = count;
    }

    /// <summary>Logical values (active = 1) of the lines whose request index is in <paramref name="mask"/>.</summary>
    public void Set(ulong bits, ulong mask)
    {
        var v = new GpioV2LineValues { Bits = bits, Mask = mask };
        if (Libc.Ioctl(_fd, Gpio.LineSetValuesIoctl, &v) < 0)
            throw new IndicatorException($"{Chip}: GPIO_V2_LINE_SET_VALUES_IOCTL: {Libc.LastError()}");
    }

    public ulong Get(ulong mask)
    {
        var v = new GpioV2LineValues { Mask = mask };
        if (Libc.Ioctl(_fd, Gpio.LineGetValuesIoctl, &v) < 0)
            throw new IndicatorException($"{Chip}: GPIO_V2_LINE_GET_VALUES_IOCTL: {Libc.LastError()}");
        return v.Bits & mask;
    }

    public void Dispose() => _fd.Dispose();
}

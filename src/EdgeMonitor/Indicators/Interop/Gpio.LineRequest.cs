using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeMonitor.Model;
using EdgeMonitor.Interop;

namespace EdgeMonitor.Indicators.Interop;

/// <summary>enum gpio_v2_line_flag</summary>
[Flags]
internal enum GpioV2LineFlag : ulong
{
    Used = 1UL << 0,
    ActiveLow = 1UL << 1,
    Input = 1UL << 2,
    Output = 1UL << 3,
    EdgeRising = 1UL << 4,
    EdgeFalling = 1UL << 5,
    OpenDrain = 1UL << 6,
    OpenSource = 1UL << 7,
    BiasPullUp = 1UL << 8,
    BiasPullDown = 1UL << 9,
    BiasDisabled = 1UL << 10,
    EventClockRealtime = 1UL << 11,
    EventClockHte = 1UL << 12,
}

/// <summary>enum gpio_v2_line_attr_id</summary>
internal enum GpioV2LineAttrId : uint
{
    Flags = 1,
    OutputValues = 2,
    Debounce = 3,
}

/// <summary>struct gpio_v2_line_attribute: an id and a union of flags, values, debounce_period_us.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct GpioV2LineAttribute
{
    [FieldOffset(0)] public uint Id;
    [FieldOffset(4)] public uint Padding;
    [FieldOffset(8)] public ulong Flags;
    [FieldOffset(8)] public ulong Values;
    [FieldOffset(8)] public uint DebouncePeriodUs;
}

/// <summary>struct gpio_v2_line_config_attribute: an attribute and the lines (bitmap of request indexes) it applies to.</summary>
[StructLayout(LayoutKind.Explicit, Size = 24)]
internal struct GpioV2LineConfigAttribute
{
    [FieldOffset(0)] public GpioV2LineAttribute Attr;
    [FieldOffset(16)] public ulong Mask;
}

[InlineArray(Gpio.LineNumAttrsMax)]
internal struct GpioV2LineConfigAttributes
{
    private GpioV2LineConfigAttribute _first;
}

/// <summary>struct gpio_v2_line_config</summary>
[StructLayout(LayoutKind.Explicit, Size = 272)]
internal unsafe struct GpioV2LineConfig
{
    [FieldOffset(0)] public ulong Flags;
    [FieldOffset(8)] public uint NumAttrs;
    [FieldOffset(12)] public fixed uint Padding[5];
    [FieldOffset(32)] public GpioV2LineConfigAttributes Attrs;
}

/// <summary>struct gpio_v2_line_request: in: offsets, consumer, config, count; out: fd of the request.</summary>
[StructLayout(LayoutKind.Explicit, Size = 592)]
internal unsafe struct GpioV2LineRequest
{
    [FieldOffset(0)] public fixed uint Offsets[Gpio.LinesMax];
    [FieldOffset(256)] public fixed byte Consumer[Gpio.MaxNameSize];
    [FieldOffset(288)] public GpioV2LineConfig Config;
    [FieldOffset(560)] public uint NumLines;
    [FieldOffset(564)] public uint EventBufferSize;
    [FieldOffset(568)] public fixed uint Padding[5];
    [FieldOffset(588)] public int Fd;
}

internal static unsafe partial class Gpio
{
    public const int LinesMax = 64; // GPIO_V2_LINES_MAX
    public const int LineNumAttrsMax = 10; // GPIO_V2_LINE_NUM_ATTRS_MAX

    /// <summary>GPIO_V2_GET_LINE_IOCTL: request lines on a chip fd; the answer's Fd carries values and events.</summary>
    public static readonly nuint GetLineIoctl = Libc.IoWR(0xB4, 0x07, sizeof(GpioV2LineRequest));
}

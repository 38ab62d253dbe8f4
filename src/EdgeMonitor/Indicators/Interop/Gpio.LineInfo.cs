using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using EdgeMonitor.Model;
using EdgeMonitor.Interop;

namespace EdgeMonitor.Indicators.Interop;

[InlineArray(Gpio.LineNumAttrsMax)]
internal struct GpioV2LineAttributes
{
    private GpioV2LineAttribute _first;
}

/// <summary>struct gpio_v2_line_info: name, consumer and flags of one line (names -> offsets).</summary>
[StructLayout(LayoutKind.Explicit, Size = 256)]
internal unsafe struct GpioV2LineInfo
{
    [FieldOffset(0)] public fixed byte Name[Gpio.MaxNameSize];
    [FieldOffset(32)] public fixed byte Consumer[Gpio.MaxNameSize];
    [FieldOffset(64)] public uint Offset;
    [FieldOffset(68)] public uint NumAttrs;
    [FieldOffset(72)] public ulong Flags;
    [FieldOffset(80)] public GpioV2LineAttributes Attrs;
    [FieldOffset(240)] public fixed uint Padding[4];
}

internal static unsafe partial class Gpio
{
    /// <summary>GPIO_V2_GET_LINEINFO_IOCTL: fill Offset, get the rest.</summary>
    public static readonly nuint GetLineInfoIoctl = Libc.IoWR(0xB4, 0x05, sizeof(GpioV2LineInfo));
}

using System.Runtime.InteropServices;
using EdgeMonitor.Model;
using EdgeMonitor.Interop;

namespace EdgeMonitor.Indicators.Interop;

/// <summary>struct gpio_v2_line_values: bit i is the i-th line of the request, only where mask has it.</summary>
[StructLayout(LayoutKind.Explicit, Size = 16)]
internal struct GpioV2LineValues
{
    [FieldOffset(0)] public ulong Bits;
    [FieldOffset(8)] public ulong Mask;
}

internal static unsafe partial class Gpio
{
    /// <summary>GPIO_V2_LINE_GET_VALUES_IOCTL (on a request fd)</summary>
    public static readonly nuint LineGetValuesIoctl = Libc.IoWR(0xB4, 0x0E, sizeof(GpioV2LineValues));

    /// <summary>GPIO_V2_LINE_SET_VALUES_IOCTL (on a request fd; logical values: active-low is applied by the kernel)</summary>
    public static readonly nuint LineSetValuesIoctl = Libc.IoWR(0xB4, 0x0F, sizeof(GpioV2LineValues));
}

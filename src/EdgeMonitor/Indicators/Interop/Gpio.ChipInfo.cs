using System.Runtime.InteropServices;
using EdgeMonitor.Model;
using EdgeMonitor.Interop;

namespace EdgeMonitor.Indicators.Interop;

/// <summary>&lt;linux/gpio.h&gt; struct gpiochip_info and GPIO_GET_CHIPINFO_IOCTL.</summary>
[StructLayout(LayoutKind.Explicit, Size = 68)]
internal unsafe struct GpioChipInfo
{
    [FieldOffset(0)] public fixed byte Name[Gpio.MaxNameSize];
    [FieldOffset(32)] public fixed byte Label[Gpio.MaxNameSize];
    [FieldOffset(64)] public uint Lines;
}

internal static unsafe partial class Gpio
{
    public const int MaxNameSize = 32; // GPIO_MAX_NAME_SIZE

    public static readonly nuint GetChipInfoIoctl = Libc.IoR(0xB4, 0x01, sizeof(GpioChipInfo));

    /// <summary>A NUL-terminated fixed char array as a string.</summary>
    public static string CString(byte* p, int max)
    {
        int n = 0;
        while (n < max && p[n] != 0)
            n++;
        return System.Text.Encoding.UTF8.GetString(p, n);
    }
}

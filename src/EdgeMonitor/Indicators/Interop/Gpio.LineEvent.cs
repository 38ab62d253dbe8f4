using System.Runtime.InteropServices;
using EdgeMonitor.Model;

namespace EdgeMonitor.Indicators.Interop;

/// <summary>enum gpio_v2_line_event_id</summary>
internal enum GpioV2LineEventId : uint
{
    RisingEdge = 1,
    FallingEdge = 2,
}

/// <summary>struct gpio_v2_line_event: read(2) from a request fd with edge flags.</summary>
[StructLayout(LayoutKind.Explicit, Size = 48)]
internal unsafe struct GpioV2LineEvent
{
    [FieldOffset(0)] public ulong TimestampNs;
    [FieldOffset(8)] public uint Id;
    [FieldOffset(12)] public uint Offset;
    [FieldOffset(16)] public uint Seqno;
    [FieldOffset(20)] public uint LineSeqno;
    [FieldOffset(24)] public fixed uint Padding[6];
}

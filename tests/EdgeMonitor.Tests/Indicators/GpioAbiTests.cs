using System.Globalization;
using EdgeMonitor.Indicators.Interop;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Indicators;

/// <summary>
/// The C# mirrors of &lt;linux/gpio.h&gt; against the kernel header itself: gcc compiles a
/// program that prints sizeof, offsetof and the ioctl numbers; every one must equal ours.
/// </summary>
public sealed unsafe class GpioAbiTests
{
    private const string CProgram = """
        #include <stdio.h>
        #include <stddef.h>
        #include <linux/gpio.h>
        #define S(t) printf("sizeof " #t " %zu\n", sizeof(struct t));
        #define O(t, f) printf("offsetof " #t "." #f " %zu\n", offsetof(struct t, f));
        #define N(x) printf("value " #x " %llu\n", (unsigned long long)(x));
        int main(void) {
          S(gpiochip_info) O(gpiochip_info, name) O(gpiochip_info, label) O(gpiochip_info, lines)
          S(gpio_v2_line_values) O(gpio_v2_line_values, bits) O(gpio_v2_line_values, mask)
          S(gpio_v2_line_attribute) O(gpio_v2_line_attribute, id) O(gpio_v2_line_attribute, padding)
            O(gpio_v2_line_attribute, flags) O(gpio_v2_line_attribute, values) O(gpio_v2_line_attribute, debounce_period_us)
          S(gpio_v2_line_config_attribute) O(gpio_v2_line_config_attribute, attr) O(gpio_v2_line_config_attribute, mask)
          S(gpio_v2_line_config) O(gpio_v2_line_config, flags) O(gpio_v2_line_config, num_attrs)
            O(gpio_v2_line_config, padding) O(gpio_v2_line_config, attrs)
          S(gpio_v2_line_request) O(gpio_v2_line_request, offsets) O(gpio_v2_line_request, consumer)
            O(gpio_v2_line_request, config) O(gpio_v2_line_request, num_lines) O(gpio_v2_line_request, event_buffer_size)
            O(gpio_v2_line_request, padding) O(gpio_v2_line_request, fd)
          S(gpio_v2_line_info) O(gpio_v2_line_info, name) O(gpio_v2_line_info, consumer) O(gpio_v2_line_info, offset)
            O(gpio_v2_line_info, num_attrs) O(gpio_v2_line_info, flags) O(gpio_v2_line_info, attrs) O(gpio_v2_line_info, padding)
          S(gpio_v2_line_event) O(gpio_v2_line_event, timestamp_ns) O(gpio_v2_line_event, id) O(gpio_v2_line_event, offset)
            O(gpio_v2_line_event, seqno) O(gpio_v2_line_event, line_seqno) O(gpio_v2_line_event, padding)
          N(GPIO_MAX_NAME_SIZE) N(GPIO_V2_LINES_MAX) N(GPIO_V2_LINE_NUM_ATTRS_MAX)
          N(GPIO_GET_CHIPINFO_IOCTL) N(GPIO_V2_GET_LINEINFO_IOCTL) N(GPIO_V2_GET_LINE_IOCTL)
          N(GPIO_V2_LINE_GET_VALUES_IOCTL) N(GPIO_V2_LINE_SET_VALUES_IOCTL)
          N(GPIO_V2_LINE_FLAG_USED) N(GPIO_V2_LINE_FLAG_ACTIVE_LOW) N(GPIO_V2_LINE_FLAG_INPUT) N(GPIO_V2_LINE_FLAG_OUTPUT)
          N(GPIO_V2_LINE_FLAG_EDGE_RISING) N(GPIO_V2_LINE_FLAG_EDGE_FALLING) N(GPIO_V2_LINE_FLAG_OPEN_DRAIN)
          N(GPIO_V2_LINE_FLAG_OPEN_SOURCE) N(GPIO_V2_LINE_FLAG_BIAS_PULL_UP) N(GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN)
          N(GPIO_V2_LINE_FLAG_BIAS_DISABLED) N(GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME) N(GPIO_V2_LINE_FLAG_EVENT_CLOCK_HTE)
          N(GPIO_V2_LINE_ATTR_ID_FLAGS) N(GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES) N(GPIO_V2_LINE_ATTR_ID_DEBOUNCE)
          N(GPIO_V2_LINE_EVENT_RISING_EDGE) N(GPIO_V2_LINE_EVENT_FALLING_EDGE)
          return 0;
        }
        """;

    private static long Off<T>(ref T s, ref byte field) where T : unmanaged
    {
        fixed (T* p = &s)
        fixed (byte* f = &field)
            return f - (byte*)p;
    }

    // Our side, named as the C program names it. Offsets are measured on a real instance.
    private static Dictionary<string, ulong> CSharpSide()
    {
        var d = new Dictionary<string, ulong>();
        void S<T>(string name) where T : unmanaged => d[$"sizeof {name}"] = (ulong)sizeof(T);
        void O(string name, long offset) => d[$"offsetof {name}"] = (ulong)offset;
        void N(string name, ulong value) => d[$"value {name}"] = value;

        GpioChipInfo ci = default;
        S<GpioChipInfo>("gpiochip_info");
        O("gpiochip_info.name", Off(ref ci, ref ci.Name[0]));
        O("gpiochip_info.label", Off(ref ci, ref ci.Label[0]));
        O("gpiochip_info.lines", Off(ref ci, ref AsByte(ref ci.Lines)));

        GpioV2LineValues lv = default;
        S<GpioV2LineValues>("gpio_v2_line_values");
        O("gpio_v2_line_values.bits", Off(ref lv, ref AsByte(ref lv.Bits)));
        O("gpio_v2_line_values.mask", Off(ref lv, ref AsByte(ref lv.Mask)));

        GpioV2LineAttribute la = default;
        S<GpioV2LineAttribute>("gpio_v2_line_attribute");
        O("gpio_v2_line_attribute.id", Off(ref la, ref AsByte(ref la.Id)));
        O("gpio_v2_line_attribute.padding", Off(ref la, ref AsByte(ref la.Padding)));
        O("gpio_v2_line_attribute.flags", Off(ref la, ref AsByte(ref la.Flags)));
        O("gpio_v2_line_attribute.values", Off(ref la, ref AsByte(ref la.Values)));
        O("gpio_v2_line_attribute.debounce_period_us", Off(ref la, ref AsByte(ref la.DebouncePeriodUs)));

        GpioV2LineConfigAttribute lca = default;
        S<GpioV2LineConfigAttribute>("gpio_v2_line_config_attribute");
        O("gpio_v2_line_config_attribute.attr", Off(ref lca, ref AsByte(ref lca.Attr)));
        O("gpio_v2_line_config_attribute.mask", Off(ref lca, ref AsByte(ref lca.Mask)));

        GpioV2LineConfig lc = default;
        S<GpioV2LineConfig>("gpio_v2_line_config");
        O("gpio_v2_line_config.flags", Off(ref lc, ref AsByte(ref lc.Flags)));
        O("gpio_v2_line_config.num_attrs", Off(ref lc, ref AsByte(ref lc.NumAttrs)));
        O("gpio_v2_line_config.padding", Off(ref lc, ref AsByte(ref lc.Padding[0])));
        O("gpio_v2_line_config.attrs", Off(ref lc, ref AsByte(ref lc.Attrs[0])));

        GpioV2LineRequest lr = default;
        S<GpioV2LineRequest>("gpio_v2_line_request");
        O("gpio_v2_line_request.offsets", Off(ref lr, ref AsByte(ref lr.Offsets[0])));
        O("gpio_v2_line_request.consumer", Off(ref lr, ref lr.Consumer[0]));
        O("gpio_v2_line_request.config", Off(ref lr, ref AsByte(ref lr.Config)));
        O("gpio_v2_line_request.num_lines", Off(ref lr, ref AsByte(ref lr.NumLines)));
        O("gpio_v2_line_request.event_buffer_size", Off(ref lr, ref AsByte(ref lr.EventBufferSize)));
        O("gpio_v2_line_request.padding", Off(ref lr, ref AsByte(ref lr.Padding[0])));
        O("gpio_v2_line_request.fd", Off(ref lr, ref AsByte(ref lr.Fd)));

        GpioV2LineInfo li = default;
        S<GpioV2LineInfo>("gpio_v2_line_info");
        O("gpio_v2_line_info.name", Off(ref li, ref li.Name[0]));
        O("gpio_v2_line_info.consumer", Off(ref li, ref li.Consumer[0]));
        O("gpio_v2_line_info.offset", Off(ref li, ref AsByte(ref li.Offset)));
        O("gpio_v2_line_info.num_attrs", Off(ref li, ref AsByte(ref li.NumAttrs)));
        O("gpio_v2_line_info.flags", Off(ref li, ref AsByte(ref li.Flags)));
        O("gpio_v2_line_info.attrs", Off(ref li, ref AsByte(ref li.Attrs[0])));
        O("gpio_v2_line_info.padding", Off(ref li, ref AsByte(ref li.Padding[0])));

        GpioV2LineEvent le = default;
        S<GpioV2LineEvent>("gpio_v2_line_event");
        O("gpio_v2_line_event.timestamp_ns", Off(ref le, ref AsByte(ref le.TimestampNs)));
        O("gpio_v2_line_event.id", Off(ref le, ref AsByte(ref le.Id)));
        O("gpio_v2_line_event.offset", Off(ref le, ref AsByte(ref le.Offset)));
        O("gpio_v2_line_event.seqno", Off(ref le, ref AsByte(ref le.Seqno)));
        O("gpio_v2_line_event.line_seqno", Off(ref le, ref AsByte(ref le.LineSeqno)));
        O("gpio_v2_line_event.padding", Off(ref le, ref AsByte(ref le.Padding[0])));

        N("GPIO_MAX_NAME_SIZE", Gpio.MaxNameSize);
        N("GPIO_V2_LINES_MAX", Gpio.LinesMax);
        N("GPIO_V2_LINE_NUM_ATTRS_MAX", Gpio.LineNumAttrsMax);
        N("GPIO_GET_CHIPINFO_IOCTL", Gpio.GetChipInfoIoctl);
        N("GPIO_V2_GET_LINEINFO_IOCTL", Gpio.GetLineInfoIoctl);
        N("GPIO_V2_GET_LINE_IOCTL", Gpio.GetLineIoctl);
        N("GPIO_V2_LINE_GET_VALUES_IOCTL", Gpio.LineGetValuesIoctl);
        N("GPIO_V2_LINE_SET_VALUES_IOCTL", Gpio.LineSetValuesIoctl);
        foreach (var (c, f) in new (string, GpioV2LineFlag)[]
        {
            ("USED", GpioV2LineFlag.Used), ("ACTIVE_LOW", GpioV2LineFlag.ActiveLow), ("INPUT", GpioV2LineFlag.Input),
            ("OUTPUT", GpioV2LineFlag.Output), ("EDGE_RISING", GpioV2LineFlag.EdgeRising), ("EDGE_FALLING", GpioV2LineFlag.EdgeFalling),
            ("OPEN_DRAIN", GpioV2LineFlag.OpenDrain), ("OPEN_SOURCE", GpioV2LineFlag.OpenSource),
            ("BIAS_PULL_UP", GpioV2LineFlag.BiasPullUp), ("BIAS_PULL_DOWN", GpioV2LineFlag.BiasPullDown),
            ("BIAS_DISABLED", GpioV2LineFlag.BiasDisabled), ("EVENT_CLOCK_REALTIME", GpioV2LineFlag.EventClockRealtime),
            ("EVENT_CLOCK_HTE", GpioV2LineFlag.EventClockHte),
        })
        {
            N($"GPIO_V2_LINE_FLAG_{c}", (ulong)f);
        }
        N("GPIO_V2_LINE_ATTR_ID_FLAGS", (ulong)GpioV2LineAttrId.Flags);
        N("GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES", (ulong)GpioV2LineAttrId.OutputValues);
        N("GPIO_V2_LINE_ATTR_ID_DEBOUNCE", (ulong)GpioV2LineAttrId.Debounce);
        N("GPIO_V2_LINE_EVENT_RISING_EDGE", (ulong)GpioV2LineEventId.RisingEdge);
        N("GPIO_V2_LINE_EVENT_FALLING_EDGE", (ulong)GpioV2LineEventId.FallingEdge);
        return d;
    }

    private static ref byte AsByte<T>(ref T value) => ref System.Runtime.CompilerServices.Unsafe.As<T, byte>(ref value);

    [RequiresFact("gcc")]
    public void Structs_offsets_and_ioctl_numbers_match_the_kernel_header()
    {
        if (!File.Exists("/usr/include/linux/gpio.h"))
            Assert.Fail("/usr/include/linux/gpio.h missing: scripts/install-deps.sh installs linux-libc-dev");
        string dir = Directory.CreateTempSubdirectory("edgemonitor-gpioabi").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "abi.c"), CProgram);
            Sh.Run("gcc", "-std=c11", "-Wall", "-Werror", "-o", Path.Combine(dir, "abi"), Path.Combine(dir, "abi.c"));
            var kernel = new Dictionary<string, ulong>();
            foreach (string line in Sh.Run(Path.Combine(dir, "abi")).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                int sp = line.LastIndexOf(' ');
                kernel[line[..sp]] = ulong.Parse(line[(sp + 1)..], CultureInfo.InvariantCulture);
            }
            var ours = CSharpSide();
            Assert.True(kernel.Count >= 70, $"the C program printed only {kernel.Count} facts");
            Assert.Equal(kernel.Keys.Order(), ours.Keys.Order());
            var wrong = kernel.Where(kv => ours[kv.Key] != kv.Value)
                .Select(kv => $"{kv.Key}: kernel {kv.Value:#,0} (0x{kv.Value:X}), ours {ours[kv.Key]:#,0} (0x{ours[kv.Key]:X})").ToList();
            Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}

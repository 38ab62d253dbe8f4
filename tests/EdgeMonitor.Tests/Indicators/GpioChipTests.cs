using EdgeMonitor.Configuration;
using EdgeMonitor.Indicators;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Indicators;

/// <summary>
/// The GPIO path without GPIO hardware (this kernel has no gpio-sim/configfs): the real
/// open/ioctl interop on devices that are not GPIO chips, and the host leaving a broken
/// indicator out instead of failing the daemon.
/// </summary>
public sealed class GpioChipTests
{
    [Theory]
    [InlineData(null, "/dev/gpiochip0")]
    [InlineData("gpiochip3", "/dev/gpiochip3")]
    [InlineData("2", "/dev/gpiochip2")]
    [InlineData("/dev/gpiochip1", "/dev/gpiochip1")]
    public void Chip_names_resolve(string? chip, string path) => Assert.Equal(path, GpioChip.ResolvePath(chip));

    [Theory]
    [InlineData("17", "17", false)]
    [InlineData("!GPIO22", "GPIO22", true)]
    [InlineData(" ! 5 ", "5", true)]
    public void Line_specs_parse(string spec, string line, bool activeLow) =>
        Assert.Equal((line, activeLow), GpioPins.ParseLine(spec));

    [Theory]
    [InlineData(null, 0)]
    [InlineData("gpiochip4", 4)]
    [InlineData("/dev/gpiochip1", 1)]
    [InlineData("2", 2)]
    public void Libgpiod_chip_numbers(string? chip, int n) => Assert.Equal(n, GpioPins.ChipNumber(chip));

    [Fact]
    public void A_chip_label_is_not_a_libgpiod_chip_number() =>
        Assert.Contains("only the chardev driver", Assert.Throws<IndicatorException>(() => GpioPins.ChipNumber("pinctrl-rp1")).Message);

    [Fact]
    public void A_device_that_is_not_a_gpio_chip_is_refused_by_the_kernel_through_our_ioctl()
    {
        // /dev/null opens fine; GPIO_GET_CHIPINFO_IOCTL on it fails with ENOTTY.
        var e = Assert.Throws<IndicatorException>(() => new CharacterDeviceDriver("/dev/null"));
        Assert.Contains("not a GPIO chip", e.Message);
        Assert.Contains("GPIO_GET_CHIPINFO_IOCTL", e.Message);
    }

    [Fact]
    public void A_missing_chip_is_a_clear_error()
    {
        var e = Assert.Throws<IndicatorException>(() => new GpioLedDriver(GpioDriverKind.CharacterDevice, "/dev/gpiochip-none", false, "17", null, null));
        Assert.Contains("/dev/gpiochip-none", e.Message);
        Assert.Throws<IndicatorException>(() => new PushButton(GpioDriverKind.CharacterDevice, new ButtonConfig { Chip = "nonesuch-label", Line = "23" },
            _ => { }, new LogCapture().Logger));
    }

    [Fact]
    public void A_missing_native_driver_is_a_clear_error_not_a_crash()
    {
        // No libgpiod on this machine (and no /dev/gpiomem): the package's drivers fail to load.
        foreach (GpioDriverKind kind in new[] { GpioDriverKind.Libgpiod, GpioDriverKind.Libgpiod2, GpioDriverKind.RaspberryPi })
        {
            var e = Assert.Throws<IndicatorException>(() => new GpioLedDriver(kind, "0", false, "17", null, null));
            Assert.Contains($"GPIO driver {GpioPins.Name(kind)}", e.Message);
        }
    }

    private sealed class Control : IMonitorControl
    {
        public void RecheckNow(string why)
        {
        }

        public void Identify(TimeSpan duration)
        {
        }
    }

    [Fact]
    public void The_host_leaves_out_what_it_cannot_open_and_drives_the_rest()
    {
        using var sys = new FakeSysfs();
        sys.AddLed("green:status");
        var log = new LogCapture();
        var config = new LedsConfig
        {
            SysfsRoot = sys.Root,
            Indicators =
            [
                new() { Driver = IndicatorDriverKind.Gpio, Chip = "/dev/gpiochip-none", Green = "17" },
                new() { Driver = IndicatorDriverKind.LedClass, Green = "green:status" },
            ],
            Button = new ButtonConfig { Chip = "/dev/gpiochip-none", Line = "23" },
        };
        using (var host = IndicatorHost.Create(config, log.Logger, new Control(), TimeProvider.System))
        {
            Assert.Single(host.Controller.Drivers);
            host.OnStatus(StatusChange.Between(new StatusSnapshot(Status.Unknown, Reason.Unknown, [], [], []),
                new StatusSnapshot(Status.Ok, Reason.Ok, [], [], []), DateTimeOffset.UnixEpoch));
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (sys.State("green:status") != "on 255" && DateTime.UtcNow < deadline)
                Thread.Sleep(20);
            Assert.Equal("on 255", sys.State("green:status"));
        }
        Assert.Equal("off", sys.State("green:status")); // handed back on dispose
        Assert.Contains(log.Lines, l => l.StartsWith("Error", StringComparison.Ordinal) && l.Contains("leds.indicators[0]") && l.Contains("/dev/gpiochip-none"));
        Assert.Contains(log.Lines, l => l.Contains("button left out"));
    }
}

using System.Device.Gpio;
using System.Device.Gpio.Drivers;
using System.Globalization;
using EdgeMonitor.Configuration;

namespace EdgeMonitor.Indicators;

/// <summary>
/// One GpioController on the configured driver (leds.gpioDriver) and a chip, plus what the
/// controller lacks: line names to numbers (character device only) and a description for the log.
/// </summary>
public sealed class GpioPins : IDisposable
{
    private readonly CharacterDeviceDriver? _chardev;

    public GpioController Controller { get; }
    public string Describe { get; }

    public GpioPins(GpioController controller, string describe, CharacterDeviceDriver? chardev = null)
    {
        Controller = controller;
        Describe = describe;
        _chardev = chardev;
    }

    /// <summary>Opens <paramref name="chip"/> with <paramref name="kind"/>; a missing chip or library is an <see cref="IndicatorException"/>.</summary>
    public static GpioPins Open(GpioDriverKind kind, string? chip, TimeSpan inputDebounce = default)
    {
        if (kind == GpioDriverKind.CharacterDevice)
        {
            var d = new CharacterDeviceDriver(chip, inputDebounce);
            return new GpioPins(new GpioController(d), d.Chip.Path, d);
        }
        try
        {
            GpioDriver driver = kind switch
            {
                GpioDriverKind.Libgpiod => new LibGpiodDriver(ChipNumber(chip)),
                GpioDriverKind.Libgpiod2 => new LibGpiodV2Driver(ChipNumber(chip)),
                _ => new RaspberryPi3Driver(),
            };
            return new GpioPins(new GpioController(driver), kind == GpioDriverKind.RaspberryPi ? "raspberrypi /dev/gpiomem" : $"{Name(kind)} chip {ChipNumber(chip)}");
        }
        catch (Exception e) when (e is not IndicatorException)
        {
            // libgpiod's "Exception while calling libgpiod" says why only in the inner exception.
            string why = e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message;
            throw new IndicatorException($"GPIO driver {Name(kind)}: {why}", e);
        }
    }

    /// <summary>The config spelling of a driver kind.</summary>
    public static string Name(GpioDriverKind kind) => kind switch
    {
        GpioDriverKind.Libgpiod => "libgpiod",
        GpioDriverKind.Libgpiod2 => "libgpiod2",
        GpioDriverKind.RaspberryPi => "raspberrypi",
        _ => "chardev",
    };

    /// <summary>libgpiod's drivers take a chip number: "/dev/gpiochip2", "gpiochip2", "2" (null: 0).</summary>
    public static int ChipNumber(string? chip)
    {
        string s = chip ?? "0";
        s = s.StartsWith("/dev/", StringComparison.Ordinal) ? s[5..] : s;
        s = s.StartsWith("gpiochip", StringComparison.Ordinal) ? s[8..] : s;
        return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new IndicatorException($"chip '{chip}' is not a chip number (only the chardev driver finds chips by label)");
    }

    /// <summary>A line number, or (character device) a line name, to the controller's pin number.</summary>
    public int Pin(string line)
    {
        if (_chardev is not null)
            return (int)_chardev.Chip.FindLine(line);
        return int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            ? n
            : throw new IndicatorException($"line '{line}' is not a number (line names need gpioDriver chardev)");
    }

    /// <summary>"17", "GPIO17", "!17" (active-low).</summary>
    public static (string Line, bool ActiveLow) ParseLine(string spec)
    {
        spec = spec.Trim();
        return spec.StartsWith('!') ? (spec[1..].Trim(), true) : (spec, false);
    }

    public void Dispose() => Controller.Dispose();
}

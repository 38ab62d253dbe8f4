using System.Collections.Concurrent;
using EdgeMonitor.Configuration;
using EdgeMonitor.Indicators;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Indicators;

/// <summary>A test on a simulated GPIO chip (the kernel's gpio-sim through configfs): skipped where the kernel has none.</summary>
public sealed class GpioSimFactAttribute : FactAttribute
{
    public GpioSimFactAttribute()
    {
        if (!Posix.IsRoot || !Directory.Exists(GpioSim.ConfigRoot))
            Skip = "needs root and gpio-sim (modprobe gpio-sim; configfs on /sys/kernel/config)";
    }
}

/// <summary>
/// One live gpio-sim chip with one bank: the LEDs' levels are read and the button is pressed
/// through the simulator's sysfs attributes (sim_gpioN/value, sim_gpioN/pull).
/// </summary>
public sealed class GpioSim : IDisposable
{
    public const string ConfigRoot = "/sys/kernel/config/gpio-sim";

    private readonly string _dir;
    private readonly string _bank;
    private readonly List<string> _lineDirs = [];

    public string ChipName { get; }
    public string Device { get; }

    public GpioSim(int lines, IReadOnlyDictionary<int, string>? names = null)
    {
        _dir = Path.Combine(ConfigRoot, $"edgemonitor-{Environment.ProcessId}-{Random.Shared.Next():x}");
        _bank = Path.Combine(_dir, "bank0");
        Directory.CreateDirectory(_dir);
        Directory.CreateDirectory(_bank);
        File.WriteAllText(Path.Combine(_bank, "num_lines"), $"{lines}");
        foreach (var (offset, name) in names ?? new Dictionary<int, string>())
        {
            string line = Path.Combine(_bank, $"line{offset}");
            Directory.CreateDirectory(line);
            _lineDirs.Add(line);
            File.WriteAllText(Path.Combine(line, "name"), name);
        }
        File.WriteAllText(Path.Combine(_dir, "live"), "1");
        ChipName = File.ReadAllText(Path.Combine(_bank, "chip_name")).Trim();
        Device = File.ReadAllText(Path.Combine(_dir, "dev_name")).Trim();
    }

    private string Attr(int offset, string name) => Path.Combine("/sys/devices/platform", Device, ChipName, $"sim_gpio{offset}", name);

    /// <summary>The level a consumer drives on an output line: "0" or "1".</summary>
    public string Value(int offset) => File.ReadAllText(Attr(offset, "value")).Trim();

    /// <summary>The outside world on an input line: "pull-up" or "pull-down".</summary>
    public void Pull(int offset, string pull) => File.WriteAllText(Attr(offset, "pull"), pull);

    public void Dispose()
    {
        File.WriteAllText(Path.Combine(_dir, "live"), "0");
        foreach (string line in _lineDirs)
            Directory.Delete(line);
        Directory.Delete(_bank);
        Directory.Delete(_dir);
    }
}

/// <summary>The default driver (uAPI v2 character device) on a simulated chip: real ioctls, real line requests, real edge events.</summary>
public sealed class GpioSimTests
{
    [GpioSimFact]
    [Trait("Category", "Hardware")]
    public void Leds_by_number_and_name_light_the_simulated_lines()
    {
        using var sim = new GpioSim(8, new Dictionary<int, string> { [5] = "EM_RED" });
        using (var leds = new GpioLedDriver(GpioDriverKind.CharacterDevice, sim.ChipName, false, "0", "!1", "EM_RED"))
        {
            Assert.Equal(("0", "1", "0"), (sim.Value(0), sim.Value(1), sim.Value(5))); // dark; amber is active-low
            leds.Show(Patterns.For(LightState.Ok, LedChannels.All), "overall", LightState.Ok);
            Assert.Equal(("1", "1", "0"), (sim.Value(0), sim.Value(1), sim.Value(5)));
            leds.Show(Patterns.For(LightState.Failing, LedChannels.All), "overall", LightState.Failing);
            Assert.Equal(("0", "1", "1"), (sim.Value(0), sim.Value(1), sim.Value(5)));
        }
    }

    [GpioSimFact]
    [Trait("Category", "Hardware")]
    public void A_press_on_the_simulated_line_is_a_short_press_and_holding_is_a_long_one()
    {
        using var sim = new GpioSim(8);
        var actions = new BlockingCollection<ButtonAction>();
        using var button = new PushButton(GpioDriverKind.CharacterDevice,
            new ButtonConfig { Chip = sim.ChipName, Line = "4", ActiveLow = true, DebounceMs = 5, LongPressMs = 500 },
            actions.Add, new LogCapture().Logger);
        sim.Pull(4, "pull-down"); // pressed: the button shorts the line to ground
        Assert.True(actions.TryTake(out ButtonAction held, TimeSpan.FromSeconds(20)));
        Assert.Equal(ButtonAction.LongPress, held);
        sim.Pull(4, "pull-up");
        Thread.Sleep(100); // past the debounce: the next press is a new one
        sim.Pull(4, "pull-down");
        Thread.Sleep(100); // held past the kernel's 5 ms debounce, released well before the long press
        sim.Pull(4, "pull-up");
        Assert.True(actions.TryTake(out ButtonAction shortPress, TimeSpan.FromSeconds(20)));
        Assert.Equal(ButtonAction.ShortPress, shortPress);
    }
}

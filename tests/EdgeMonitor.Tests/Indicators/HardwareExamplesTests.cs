using EdgeMonitor.Cli;
using EdgeMonitor.Configuration;
using EdgeMonitor.Indicators;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Indicators;

/// <summary>hardware/examples/*.json load, validate, and (LED class ones) open on a /sys-like tree.</summary>
public sealed class HardwareExamplesTests
{
    private static string ExamplesDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string p = Path.Combine(d.FullName, "hardware", "examples");
            if (Directory.Exists(p))
                return p;
        }
        throw new DirectoryNotFoundException("hardware/examples not found above " + AppContext.BaseDirectory);
    }

    public static TheoryData<string> Examples()
    {
        var data = new TheoryData<string>();
        foreach (string f in Directory.EnumerateFiles(ExamplesDir(), "*.json").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(f));
        return data;
    }

    [Fact]
    public void There_is_an_example_for_each_setup_the_readme_names() =>
        Assert.True(Examples().Count >= 5);

    [Theory]
    [MemberData(nameof(Examples))]
    public void Example_loads_and_its_led_class_names_open(string file)
    {
        EdgeMonitorConfig c = ConfigOption.Load(Path.Combine(ExamplesDir(), file));
        Assert.NotEmpty(c.Leds.Indicators);
        using var sys = new FakeSysfs();
        foreach (IndicatorConfig ic in c.Leds.Indicators.Where(i => i.Driver == IndicatorDriverKind.LedClass))
        {
            foreach (string? name in new[] { ic.Green, ic.Amber, ic.Red }.Where(n => n is not null))
                sys.AddLed(name!);
            using var d = new LedClassDriver(sys.Root, ic.Green, ic.Amber, ic.Red);
            d.Show(Patterns.For(LightState.Failing, d.Channels), ic.Source, LightState.Failing);
            Assert.Contains(new[] { ic.Green, ic.Amber, ic.Red }.Where(n => n is not null), n => sys.State(n!) != "off");
        }
    }
}

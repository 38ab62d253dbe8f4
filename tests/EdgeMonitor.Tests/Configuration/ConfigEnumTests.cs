using EdgeMonitor.Cli;
using EdgeMonitor.Configuration;
using EdgeMonitor.Model;

namespace EdgeMonitor.Tests.ConfigFiles;

/// <summary>
/// Config enums (probe.ipv6, leds.onStall/onExit, leds.gpioDriver, leds.indicators[].driver) are
/// read by their documented lowercase names; anything else is refused by the shape check with the
/// path, the value given, the allowed names and a "did you mean".
/// </summary>
public sealed class ConfigEnumTests
{
    private static ConfigException Refused(string json) =>
        Assert.Throws<ConfigException>(() => ConfigLoader.Validate(ConfigLoader.Parse(json, "t.json"), "t.json", ConfigOption.Outputs));

    [Theory]
    [InlineData("""{ "probe": { "ipv6": "optinal" } }""", "$.probe.ipv6", "must be off, optional or required, not text \"optinal\" (did you mean 'optional'?)")]
    [InlineData("""{ "probe": { "ipv6": "Required" } }""", "$.probe.ipv6", "must be off, optional or required, not text \"Required\" (did you mean 'required'?)")]
    [InlineData("""{ "probe": { "ipv6": 1 } }""", "$.probe.ipv6", "must be off, optional or required, not the number 1")]
    [InlineData("""{ "probe": { "ipv6": "1" } }""", "$.probe.ipv6", "must be off, optional or required, not text \"1\"")]
    [InlineData("""{ "leds": { "onStall": "green" } }""", "$.leds.onStall", "must be off or failing, not text \"green\"")]
    [InlineData("""{ "leds": { "onExit": "failng" } }""", "$.leds.onExit", "must be off or failing, not text \"failng\" (did you mean 'failing'?)")]
    [InlineData("""{ "leds": { "onExit": true } }""", "$.leds.onExit", "must be off or failing, not true")]
    [InlineData("""{ "leds": { "gpioDriver": "Chardev" } }""", "$.leds.gpioDriver", "must be chardev, libgpiod, libgpiod2 or raspberrypi, not text \"Chardev\" (did you mean 'chardev'?)")]
    [InlineData("""{ "leds": { "gpioDriver": "CharacterDevice" } }""", "$.leds.gpioDriver", "must be chardev, libgpiod, libgpiod2 or raspberrypi, not text \"CharacterDevice\"")]
    [InlineData("""{ "leds": { "indicators": [ { "driver": "pwm" } ] } }""", "$.leds.indicators[0].driver", "must be gpio, ledclass or console, not text \"pwm\"")]
    [InlineData("""{ "leds": { "indicators": [ { "driver": "ledclas" } ] } }""", "$.leds.indicators[0].driver", "(did you mean 'ledclass'?)")]
    public void A_bad_enum_value_names_its_path_the_value_and_the_allowed_names(string json, string path, string message)
    {
        ConfigError error = Assert.Single(Refused(json).Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void Every_bad_enum_is_reported_at_once()
    {
        var e = Refused("""{ "probe": { "ipv6": "no" }, "leds": { "onStall": "x", "onExit": "y", "indicators": [ { "driver": "z" } ] } }""");
        Assert.Equal(["$.probe.ipv6", "$.leds.onStall", "$.leds.onExit", "$.leds.indicators[0].driver"], e.Errors.Select(x => x.Path));
    }

    [Fact]
    public void The_documented_names_load_as_their_members()
    {
        var c = ConfigLoader.Parse("""
            { "probe": { "ipv6": "required" },
              "leds": { "onStall": "off", "onExit": "failing", "gpioDriver": "libgpiod2",
                        "indicators": [ { "driver": "ledclass", "green": "g" }, { "driver": "console" } ] } }
            """, "t.json");
        Assert.Equal(Ipv6Mode.Required, c.Probe.Ipv6);
        Assert.Equal((NoVerdictLook.Off, NoVerdictLook.Failing), (c.Leds.OnStall, c.Leds.OnExit));
        Assert.Equal(GpioDriverKind.Libgpiod2, c.Leds.GpioDriver);
        Assert.Equal([IndicatorDriverKind.LedClass, IndicatorDriverKind.Console], c.Leds.Indicators.Select(i => i.Driver));
        Assert.Equal(Ipv6Mode.Off, ConfigLoader.Parse("""{ "probe": { "ipv6": "off" } }""", "t.json").Probe.Ipv6);
    }

    [Fact]
    public void Left_out_they_take_the_documented_defaults()
    {
        var c = ConfigLoader.Parse("""{ "leds": { "indicators": [ { "green": "g" } ] } }""", "t.json");
        Assert.Equal(Ipv6Mode.Optional, c.Probe.Ipv6);
        Assert.Equal((NoVerdictLook.Failing, NoVerdictLook.Off), (c.Leds.OnStall, c.Leds.OnExit));
        Assert.Equal(IndicatorDriverKind.Console, Assert.Single(c.Leds.Indicators).Driver);
    }

    [Theory]
    [InlineData(IndicatorDriverKind.LedClass, "ledclass")]
    [InlineData(Ipv6Mode.Required, "required")]
    [InlineData(NoVerdictLook.Failing, "failing")]
    [InlineData(GpioDriverKind.CharacterDevice, "chardev")]
    public void A_value_is_named_in_messages_as_the_file_spells_it(Enum value, string name) =>
        Assert.Equal(name, ConfigShape.Name(value));
}

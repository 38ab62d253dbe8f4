using EdgeMonitor.Cli;
using EdgeMonitor.Configuration;
using EdgeMonitor.Indicators.Display;
using EdgeMonitor.Model;

namespace EdgeMonitor.Tests.Indicators.Display;

/// <summary>The pure parts: words, wrapping, screens, the font, the config section.</summary>
public sealed class DisplayContentTests
{
    [Fact]
    public void Every_reason_has_a_label_that_fits_one_20_column_line()
    {
        foreach (Reason r in Enum.GetValues<Reason>())
        {
            string label = r.ToLabel();
            Assert.InRange(label.Length, 2, 20);
            Assert.Equal(label, Font5x7.Printable(label));
        }
        Assert.Equal("TLS intercepted", Reason.TlsIntercepted.ToLabel());
    }

    [Fact]
    public void Groups_are_named_as_staff_say_them()
    {
        Assert.Equal("DT manager", DisplayContent.GroupLabel("dt-ccon-gen2", "manager"));
        Assert.Equal("CloudTrax cloud", DisplayContent.GroupLabel("cloudtrax-ap", "cloud"));
        Assert.Equal("lab web", DisplayContent.GroupLabel("lab", "web"));
    }

    [Fact]
    public void Wrap_breaks_at_spaces_and_cuts_only_words_longer_than_a_line()
    {
        Assert.Equal(["blocked", "(timeout)"], DisplayContent.Wrap("blocked (timeout)", 16));
        Assert.Equal(["abcdefgh", "ij x"], DisplayContent.Wrap("abcdefghij x", 8));
        Assert.Equal(["caf? ok"], DisplayContent.Wrap("café ok", 16));
    }

    [Fact]
    public void Without_reasons_the_overall_reason_stands_alone()
    {
        var input = new DisplayInput("s", "n", "IP 192.0.2.1", Snapshots.Failing, false, false, [DisplayItem.Site]);
        var screens = DisplayContent.Screens(input, PanelGeometry.For(DisplayKind.Hd44780_20x4));
        Assert.Equal(2, screens.Count);
        Assert.Equal("TLS intercepted", screens[0][1].Text);
        Assert.Equal("s / n", screens[1][1].Text);
        Assert.DoesNotContain(screens.SelectMany(s => s), l => l.Text.StartsWith("IP", StringComparison.Ordinal));
    }

    [Fact]
    public void Unknown_overall_after_a_real_cycle_is_not_starting()
    {
        var snap = new StatusSnapshot(Status.Unknown, Reason.DnsTimeout, [], [new("p", "g", Status.Unknown, Reason.DnsTimeout, "")], []);
        var input = new DisplayInput("s", "n", "", snap, false, false, [DisplayItem.Reasons]);
        var screen = DisplayContent.Screens(input, PanelGeometry.For(DisplayKind.Hd44780_20x4))[0];
        Assert.Equal(["UNKNOWN", "p g:", "DNS timeout", ""], screen.Select(l => l.Text));
    }

    [Fact]
    public void The_font_tells_every_character_apart()
    {
        var seen = new Dictionary<string, char>();
        for (char c = Font5x7.First; c <= Font5x7.Last; c++)
        {
            string key = Convert.ToHexString(Font5x7.Glyph(c));
            Assert.False(seen.TryGetValue(key, out char other), $"'{c}' looks like '{other}'");
            seen[key] = c;
        }
    }

    [Fact]
    public void Config_section_parses_names_and_hex_addresses()
    {
        var c = ConfigLoader.Parse("""
            { "display": { "kind": "hd44780-20x4", "bus": 3, "address": "0x3F", "show": ["reasons", "address"], "backlight": false } }
            """, "t");
        ConfigLoader.Validate(c, "t", ConfigOption.Outputs);
        Assert.Equal(DisplayKind.Hd44780_20x4, c.Display.Kind);
        Assert.Equal(0x3F, c.Display.AddressOrDefault);
        Assert.Equal([DisplayItem.Reasons, DisplayItem.Address], c.Display.Show);
        Assert.False(ConfigLoader.Parse("{}", "t").Display.Enabled);
        Assert.Equal(0x3C, ConfigLoader.Parse("""{ "display": { "kind": "ssd1306-128x32" } }""", "t").Display.AddressOrDefault);
    }

    [Theory]
    [InlineData("""{ "kind": "ssd1309" }""", "$.display.kind")]
    [InlineData("""{ "kind": 1 }""", "$.display.kind")]
    [InlineData("""{ "kind": "ssd1306-128x64", "rotation": 90 }""", "$.display.rotation")]
    [InlineData("""{ "kind": "ssd1306-128x64", "address": "0x100" }""", "$.display.address")]
    [InlineData("""{ "kind": "ssd1306-128x64", "address": "zz" }""", "$.display.address")]
    [InlineData("""{ "kind": "ssd1306-128x64", "show": ["site", "site"] }""", "$.display.show")]
    [InlineData("""{ "kind": "ssd1306-128x64", "show": ["weather"] }""", "$.display.show")]
    [InlineData("""{ "kind": "ssd1306-128x64", "contrast": 300 }""", "$.display.contrast")]
    [InlineData("""{ "kind": "ssd1306-128x64", "colour": "red" }""", "$.display")]
    public void Bad_display_config_names_the_field(string section, string path)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Validate(ConfigLoader.Parse($$"""{ "display": {{section}} }""", "t"), "t", ConfigOption.Outputs));
        Assert.StartsWith(path, e.JsonPath, StringComparison.Ordinal);
    }
}

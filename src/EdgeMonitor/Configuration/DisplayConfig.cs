using System.Text.Json;
using System.Text.Json.Serialization;

namespace EdgeMonitor.Configuration;

/// <summary>The panels the display drives, all on I2C.</summary>
[JsonConverter(typeof(NamesOnlyEnumConverter<DisplayKind>))]
public enum DisplayKind
{
    [JsonStringEnumMemberName("off")] Off,
    [JsonStringEnumMemberName("ssd1306-128x64")] Ssd1306_128x64,
    [JsonStringEnumMemberName("ssd1306-128x32")] Ssd1306_128x32,
    /// <summary>HD44780 character LCD behind a PCF8574 I2C backpack.</summary>
    [JsonStringEnumMemberName("hd44780-16x2")] Hd44780_16x2,
    [JsonStringEnumMemberName("hd44780-20x4")] Hd44780_20x4,
}

/// <summary>What the display may show besides the state, which it always shows.</summary>
[JsonConverter(typeof(NamesOnlyEnumConverter<DisplayItem>))]
public enum DisplayItem
{
    /// <summary>Site and node name.</summary>
    [JsonStringEnumMemberName("site")] Site,
    /// <summary>When not ok: each failing group and its reason in plain words.</summary>
    [JsonStringEnumMemberName("reasons")] Reasons,
    /// <summary>The box's own IP address, for staff to read to the NOC.</summary>
    [JsonStringEnumMemberName("address")] Address,
}

/// <summary>The `display` section: a small I2C panel beside the LEDs. Off by default.</summary>
public sealed class DisplayConfig
{
    public DisplayKind Kind { get; set; } = DisplayKind.Off;

    /// <summary>I2C bus number: /dev/i2c-N (the Pi's header pins 3/5 are bus 1).</summary>
    public int Bus { get; set; } = 1;

    /// <summary>7-bit I2C address, a number or "0x3c"; absent: 0x3c for an SSD1306, 0x27 for a PCF8574 backpack.</summary>
    [JsonConverter(typeof(I2cAddressConverter))]
    public int? Address { get; set; }

    /// <summary>0 or 180 degrees (a panel mounted upside down). OLED only.</summary>
    public int Rotation { get; set; }

    /// <summary>OLED contrast 0..255.</summary>
    public int Contrast { get; set; } = 0x8F;

    /// <summary>Character LCD backlight.</summary>
    public bool Backlight { get; set; } = true;

    public List<DisplayItem> Show { get; set; } = [DisplayItem.Site, DisplayItem.Reasons, DisplayItem.Address];

    /// <summary>Seconds each screen stays before the next (failing groups, then site and address).</summary>
    public int CycleSeconds { get; set; } = 4;

    /// <summary>Network interface whose IPv4 address is shown; absent: the first one that is up.</summary>
    public string? Interface { get; set; }

    [JsonIgnore]
    public bool Enabled => Kind != DisplayKind.Off;

    [JsonIgnore]
    public int AddressOrDefault => Address ?? (Kind is DisplayKind.Hd44780_16x2 or DisplayKind.Hd44780_20x4 ? 0x27 : 0x3C);
}

/// <summary>An I2C address as a JSON number (39) or a hex string as printed on the board ("0x27").</summary>
public sealed class I2cAddressConverter : JsonConverter<int?>
{
    public override int? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out int n))
            return n;
        if (reader.TokenType == JsonTokenType.String)
        {
            string s = reader.GetString()!.Trim();
            bool hex = s.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
            if (int.TryParse(hex ? s[2..] : s, hex ? System.Globalization.NumberStyles.AllowHexSpecifier : System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out int v))
                return v;
        }
        throw new ConfigValueException("must be an I2C address: a number or hex like \"0x27\"");
    }

    public override void Write(Utf8JsonWriter writer, int? value, JsonSerializerOptions options)
    {
        if (value is { } v)
            writer.WriteStringValue($"0x{v:x2}");
        else
            writer.WriteNullValue();
    }
}

using EdgeMonitor.Configuration;

namespace EdgeMonitor.Indicators.Display;

/// <summary>The `display` section's checks, handed to <see cref="ConfigLoader.Validate"/> by the command line (ConfigOption.Outputs).</summary>
internal static class DisplayValidation
{
    public static void Validate(EdgeMonitorConfig c, Action<bool, string, string> check)
    {
        DisplayConfig d = c.Display;
        check(d.Bus is >= 0 and <= 255, "$.display.bus", "must be an I2C bus number 0..255 (/dev/i2c-N)");
        check(d.Address is null or (>= 0x03 and <= 0x77), "$.display.address", "must be a 7-bit I2C address 0x03..0x77");
        check(d.Rotation is 0 or 180, "$.display.rotation", "must be 0 or 180");
        check(d.Contrast is >= 0 and <= 255, "$.display.contrast", "must be 0..255");
        check(d.CycleSeconds is >= 1 and <= 60, "$.display.cycleSeconds", "must be 1..60");
        check(d.Show.Distinct().Count() == d.Show.Count, "$.display.show", "names an item twice");
        check(d.Interface is null || (d.Interface.Length is > 0 and <= 15 && !d.Interface.Contains('/')), "$.display.interface",
            "must be a network interface name");
    }
}

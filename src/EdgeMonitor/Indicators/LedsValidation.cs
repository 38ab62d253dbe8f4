using EdgeMonitor.Configuration;
using EdgeMonitor.Profiles;

namespace EdgeMonitor.Indicators;

/// <summary>The `leds` section's checks, handed to <see cref="ConfigLoader.Validate"/> by the command line (ConfigOption.Outputs).</summary>
internal static class LedsValidation
{
    public static void Validate(EdgeMonitorConfig c, Action<bool, string, string> check)
    {
        LedsConfig l = c.Leds;
        check(!string.IsNullOrWhiteSpace(l.SysfsRoot) && l.SysfsRoot.StartsWith('/'), "$.leds.sysfsRoot", "must be an absolute path");
        check(l.StallSeconds is >= 5 and <= 3600, "$.leds.stallSeconds", "must be 5..3600");
        var profiles = new HashSet<string>(BuiltInProfiles.All.Select(p => p.Name), StringComparer.Ordinal);
        foreach (TargetConfig t in c.Targets)
        {
            if (t.Profile is { } p)
                profiles.Add(p);
        }
        for (int i = 0; i < l.Indicators.Count; i++)
        {
            IndicatorConfig ic = l.Indicators[i];
            string at = $"$.leds.indicators[{i}]";
            check(ic.Source == "overall" || profiles.Contains(ic.Source) || IsGroupKey(ic.Source), $"{at}.source",
                $"'{ic.Source}' is not overall, a profile name ({string.Join(", ", profiles.Order(StringComparer.Ordinal))}) or a group profile/id");
            string?[] channels = [ic.Green, ic.Amber, ic.Red];
            var given = channels.Where(x => !string.IsNullOrWhiteSpace(x)).Select(x => x!.Trim()).ToList();
            if (ic.Driver is IndicatorDriverKind.Gpio or IndicatorDriverKind.LedClass)
            {
                check(given.Count > 0, at, $"a {ConfigShape.Name(ic.Driver)} indicator needs at least one of green, amber, red");
                check(given.Distinct(StringComparer.Ordinal).Count() == given.Count, at, "the same LED is given for two colours");
            }
            if (ic.Driver == IndicatorDriverKind.LedClass)
            {
                foreach (string n in given)
                    check(!n.Contains('/') && n is not ("." or ".."), at, $"LED class name '{n}' must not contain '/'");
            }
            if (ic.Driver == IndicatorDriverKind.Gpio)
            {
                foreach (string n in given)
                    CheckLine(l.GpioDriver, n, at, check);
                if (l.GpioDriver is GpioDriverKind.Libgpiod or GpioDriverKind.Libgpiod2)
                    CheckChipNumber(ic.Chip, $"{at}.chip", check);
            }
        }
        if (l.Button is { } b)
        {
            check(!string.IsNullOrWhiteSpace(b.Line), "$.leds.button.line", "must name a GPIO line (number or name)");
            if (!string.IsNullOrWhiteSpace(b.Line))
                CheckLine(l.GpioDriver, b.Line, "$.leds.button.line", check);
            if (l.GpioDriver is GpioDriverKind.Libgpiod or GpioDriverKind.Libgpiod2)
                CheckChipNumber(b.Chip, "$.leds.button.chip", check);
            check(b.DebounceMs is >= 1 and <= 1000, "$.leds.button.debounceMs", "must be 1..1000");
            check(b.LongPressMs > b.DebounceMs && b.LongPressMs <= 60_000, "$.leds.button.longPressMs", "must be above debounceMs and at most 60000");
        }
    }

    /// <summary>A line is a number or a name; names only where the driver can look them up (chardev).</summary>
    private static void CheckLine(GpioDriverKind kind, string spec, string at, Action<bool, string, string> check)
    {
        string line = GpioPins.ParseLine(spec).Line;
        if (!(line.Length is > 0 and <= 31))
            check(false, at, $"GPIO line '{spec}' is not a number or a name");
        else if (kind != GpioDriverKind.CharacterDevice)
            check(uint.TryParse(line, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _), at,
                $"GPIO line '{spec}' must be a number with gpioDriver {GpioPins.Name(kind)} (line names need chardev)");
    }

    private static void CheckChipNumber(string? chip, string at, Action<bool, string, string> check)
    {
        try
        {
            GpioPins.ChipNumber(chip);
        }
        catch (IndicatorException e)
        {
            check(false, at, e.Message);
        }
    }

    private static bool IsGroupKey(string s)
    {
        int slash = s.IndexOf('/');
        return slash > 0 && slash < s.Length - 1 && s.IndexOf('/', slash + 1) < 0;
    }
}

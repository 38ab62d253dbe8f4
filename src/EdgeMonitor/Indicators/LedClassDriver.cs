
namespace EdgeMonitor.Indicators;

/// <summary>
/// Linux LED class (Documentation/leds/leds-class.rst): &lt;sysfsRoot&gt;/class/leds/&lt;name&gt;/
/// brightness, max_brightness and trigger. Blinks go to the kernel's `timer` trigger
/// (delay_on/delay_off), so a blink goes on even while this process is stalled; without
/// that trigger the controller blinks through brightness. The trigger found at start
/// (with its delays, or the brightness under `none`) is put back on release.
/// </summary>
public sealed class LedClassDriver : ILedDriver
{
    private sealed class Led(LedChannels channel, string name, string dir)
    {
        public LedChannels Channel { get; } = channel;
        public string Name { get; } = name;
        public string Dir { get; } = dir;
        public int MaxBrightness { get; set; } = 1;
        public bool HasTimer { get; set; }
        public string PreviousTrigger { get; set; } = "none";
        public string? PreviousBrightness { get; set; }
        public string? PreviousDelayOn { get; set; }
        public string? PreviousDelayOff { get; set; }
        public Blink Shown { get; set; } = new(-1, -1);
    }

    private readonly List<Led> _leds = [];
    private bool _released;

    public string Describe { get; }

    public LedChannels Channels { get; }

    /// <param name="names">LED class names per channel; null or empty entries are absent.</param>
    public LedClassDriver(string sysfsRoot, string? green, string? amber, string? red)
    {
        foreach (var (channel, name) in new[] { (LedChannels.Green, green), (LedChannels.Amber, amber), (LedChannels.Red, red) })
        {
            if (string.IsNullOrWhiteSpace(name))
                continue;
            if (name.Contains('/') || name is "." or "..")
                throw new IndicatorException($"LED class name '{name}' must not contain '/'");
            string dir = Path.Combine(sysfsRoot, "class", "leds", name);
            if (!File.Exists(Path.Combine(dir, "brightness")))
                throw new IndicatorException($"no LED '{name}' ({dir}/brightness missing; `edgemonitor leds list` shows the names)");
            var led = new Led(channel, name, dir);
            led.MaxBrightness = int.TryParse(ReadOrNull(dir, "max_brightness"), out int max) && max > 0 ? max : 1;
            led.PreviousBrightness = ReadOrNull(dir, "brightness");
            if (ReadOrNull(dir, "trigger") is { } triggers)
            {
                var (current, available) = ParseTrigger(triggers);
                led.PreviousTrigger = current ?? "none";
                led.HasTimer = available.Contains("timer");
                if (led.PreviousTrigger == "timer")
                {
                    led.PreviousDelayOn = ReadOrNull(dir, "delay_on");
                    led.PreviousDelayOff = ReadOrNull(dir, "delay_off");
                }
            }
            _leds.Add(led);
            Channels |= channel;
        }
        if (_leds.Count == 0)
            throw new IndicatorException("a ledclass indicator needs at least one of green, amber, red");
        Describe = "ledclass " + string.Join(",", _leds.Select(l => l.Name));
    }

    /// <summary>Parses a trigger file: "none [timer] heartbeat" gives ("timer", {none, timer, heartbeat}).</summary>
    public static (string? Current, IReadOnlySet<string> Available) ParseTrigger(string text)
    {
        string? current = null;
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (string word in text.Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (word.Length > 2 && word[0] == '[' && word[^1] == ']')
            {
                current = word[1..^1];
                all.Add(current);
            }
            else
            {
                all.Add(word);
            }
        }
        return (current, all);
    }

    public LedChannels Show(Look look, string source, LightState state)
    {
        LedChannels soft = LedChannels.None;
        foreach (Led led in _leds)
        {
            Blink b = look[led.Channel];
            if (b == led.Shown)
                continue;
            if (b.IsBlinking && led.HasTimer)
            {
                Write(led, "trigger", "timer");
                Write(led, "delay_on", b.OnMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
                Write(led, "delay_off", b.OffMs.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                Write(led, "trigger", "none");
                Write(led, "brightness", b.IsOff ? "0" : Max(led));
                if (b.IsBlinking)
                    soft |= led.Channel;
            }
            led.Shown = b;
        }
        // Channels already blinking in software keep doing so.
        foreach (Led led in _leds)
        {
            if (led.Shown.IsBlinking && !led.HasTimer)
                soft |= led.Channel;
        }
        return soft;
    }

    public void SetLit(LedChannels mask, LedChannels lit)
    {
        foreach (Led led in _leds)
        {
            if (mask.HasFlag(led.Channel))
                Write(led, "brightness", lit.HasFlag(led.Channel) ? Max(led) : "0");
        }
    }

    public void Release(bool keepShown)
    {
        if (_released)
            return;
        _released = true;
        if (keepShown)
            return; // timer blinks and steady levels stay with the kernel
        foreach (Led led in _leds)
        {
            // Writing 0 to brightness drops any trigger; then the previous one goes back.
            Write(led, "brightness", "0");
            Write(led, "trigger", led.PreviousTrigger);
            if (led.PreviousTrigger == "timer")
            {
                if (led.PreviousDelayOn is { } on)
                    Write(led, "delay_on", on);
                if (led.PreviousDelayOff is { } off)
                    Write(led, "delay_off", off);
            }
            else if (led.PreviousTrigger == "none" && led.PreviousBrightness is { } bright)
            {
                Write(led, "brightness", bright);
            }
        }
    }

    /// <summary>LED class names under &lt;sysfsRoot&gt;/class/leds with their current trigger.</summary>
    public static IReadOnlyList<(string Name, string Trigger, int MaxBrightness)> List(string sysfsRoot)
    {
        string dir = Path.Combine(sysfsRoot, "class", "leds");
        if (!Directory.Exists(dir))
            return [];
        var list = new List<(string, string, int)>();
        foreach (string led in Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal))
        {
            string? t = ReadOrNull(led, "trigger");
            string current = t is null ? "?" : ParseTrigger(t).Current ?? "?";
            int max = int.TryParse(ReadOrNull(led, "max_brightness"), out int m) ? m : 0;
            list.Add((Path.GetFileName(led), current, max));
        }
        return list;
    }

    private static string Max(Led led) => led.MaxBrightness.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string? ReadOrNull(string dir, string file)
    {
        try
        {
            return File.ReadAllText(Path.Combine(dir, file)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void Write(Led led, string file, string value)
    {
        string path = Path.Combine(led.Dir, file);
        try
        {
            File.WriteAllText(path, value + "\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IndicatorException($"LED '{led.Name}': cannot write '{value}' to {file}: {e.Message}", e);
        }
    }

    public void Dispose() => Release(keepShown: false);
}

using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;

namespace EdgeMonitor.Indicators;

/// <summary>The colour channels of one indicator. A box may have any subset.</summary>
[Flags]
public enum LedChannels { None = 0, Green = 1, Amber = 2, Red = 4, All = Green | Amber | Red }

/// <summary>What an indicator is asked to tell.</summary>
public enum LightState { Unknown, Ok, Degraded, Failing, Identify, LampTest, Off }

/// <summary>
/// One LED's behaviour: off (OnMs 0), steady (OffMs 0) or blinking. Blinks are whole periods
/// from the moment the look was shown, so every LED of an indicator blinks in step.
/// </summary>
public readonly record struct Blink(int OnMs, int OffMs)
{
    public static Blink Off => new(0, 0);
    public static Blink Steady => new(1, 0);
    public static Blink Slow => new(500, 500);
    public static Blink Fast => new(125, 125);

    /// <summary>Unknown / starting: a short flash every two seconds, unlike any other state.</summary>
    public static Blink Flash => new(100, 1900);
    public static Blink Identify => new(250, 250);

    public bool IsOff => OnMs <= 0;
    public bool IsSteady => OnMs > 0 && OffMs <= 0;
    public bool IsBlinking => OnMs > 0 && OffMs > 0;

    public bool IsOnAt(long sinceMs) =>
        !IsOff && (IsSteady || sinceMs % (OnMs + OffMs) < OnMs);

    /// <summary>Milliseconds from <paramref name="sinceMs"/> to this LED's next edge (long.MaxValue: none).</summary>
    public long NextEdgeMs(long sinceMs)
    {
        if (!IsBlinking)
            return long.MaxValue;
        long phase = sinceMs % (OnMs + OffMs);
        return phase < OnMs ? OnMs - phase : OnMs + OffMs - phase;
    }

    public override string ToString() =>
        IsOff ? "off" : IsSteady ? "steady" : this == Slow ? "slow blink" : this == Fast ? "fast blink"
        : this == Flash ? "short flash" : $"blink {OnMs}/{OffMs} ms";
}

/// <summary>What every colour channel of one indicator does.</summary>
public readonly record struct Look(Blink Green, Blink Amber, Blink Red)
{
    public static Look Dark => new(Blink.Off, Blink.Off, Blink.Off);

    public Blink this[LedChannels channel] => channel switch
    {
        LedChannels.Green => Green,
        LedChannels.Amber => Amber,
        LedChannels.Red => Red,
        _ => throw new ArgumentOutOfRangeException(nameof(channel)),
    };

    /// <summary>Channels lit (steady or on-phase) at <paramref name="sinceMs"/> after the look was shown.</summary>
    public LedChannels LitAt(long sinceMs) =>
        (Green.IsOnAt(sinceMs) ? LedChannels.Green : 0)
        | (Amber.IsOnAt(sinceMs) ? LedChannels.Amber : 0)
        | (Red.IsOnAt(sinceMs) ? LedChannels.Red : 0);

    /// <summary>"red fast blink", "green steady + red steady", "all off".</summary>
    public string Describe()
    {
        var parts = new List<string>(3);
        if (!Green.IsOff) parts.Add($"green {Green}");
        if (!Amber.IsOff) parts.Add($"amber {Amber}");
        if (!Red.IsOff) parts.Add($"red {Red}");
        return parts.Count == 0 ? "all off" : string.Join(" + ", parts);
    }
}

/// <summary>
/// The default pattern table (README "LEDs and button"), and how it folds onto boxes with
/// fewer LEDs. Pure functions: the controller decides when, this decides what.
/// </summary>
public static class Patterns
{
    public static LightState FromStatus(Status s) => s switch
    {
        Status.Ok => LightState.Ok,
        Status.Degraded => LightState.Degraded,
        Status.Failing => LightState.Failing,
        _ => LightState.Unknown,
    };

    /// <summary>The three-LED look: ok green steady, degraded amber slow, failing red fast, unknown amber short flash.</summary>
    public static Look ThreeLed(LightState state) => state switch
    {
        LightState.Ok => new(Blink.Steady, Blink.Off, Blink.Off),
        LightState.Degraded => new(Blink.Off, Blink.Slow, Blink.Off),
        LightState.Failing => new(Blink.Off, Blink.Off, Blink.Fast),
        LightState.Unknown => new(Blink.Off, Blink.Flash, Blink.Off),
        LightState.Identify => new(Blink.Identify, Blink.Identify, Blink.Identify),
        LightState.LampTest => new(Blink.Steady, Blink.Steady, Blink.Steady),
        _ => Look.Dark,
    };

    /// <summary>A single LED (most routers): ok steady, degraded slow, failing fast, unknown short flash.</summary>
    public static Blink SingleLed(LightState state) => state switch
    {
        LightState.Ok => Blink.Steady,
        LightState.Degraded => Blink.Slow,
        LightState.Failing => Blink.Fast,
        LightState.Unknown => Blink.Flash,
        LightState.Identify => Blink.Identify,
        LightState.LampTest => Blink.Steady,
        _ => Blink.Off,
    };

    /// <summary>The look for an indicator that has only <paramref name="present"/> channels.</summary>
    public static Look For(LightState state, LedChannels present)
    {
        present &= LedChannels.All;
        if (present == LedChannels.None)
            return Look.Dark;
        if (present is LedChannels.Green or LedChannels.Amber or LedChannels.Red)
        {
            Blink b = SingleLed(state);
            return new(present == LedChannels.Green ? b : Blink.Off,
                present == LedChannels.Amber ? b : Blink.Off,
                present == LedChannels.Red ? b : Blink.Off);
        }
        Look look = ThreeLed(state);
        bool g = present.HasFlag(LedChannels.Green), a = present.HasFlag(LedChannels.Amber), r = present.HasFlag(LedChannels.Red);
        // Red+green without amber: both together (a bi-colour LED mixes them to amber).
        if (!a && !look.Amber.IsOff)
            look = new(look.Amber, Blink.Off, look.Amber);
        // Green+amber without red: failing becomes amber fast, still unlike degraded.
        if (!r && !look.Red.IsOff)
            look = new(look.Green, look.Red, Blink.Off);
        // Amber+red without green: ok becomes amber steady, never "all dark".
        if (!g && !look.Green.IsOff && state == LightState.Ok)
            look = new(Blink.Off, look.Green, Blink.Off);
        return new(g ? look.Green : Blink.Off, a ? look.Amber : Blink.Off, r ? look.Red : Blink.Off);
    }

    /// <summary>Lamp test: each colour alone, then all together, then back to the status.</summary>
    public static IReadOnlyList<(Look Look, int Ms)> LampTestSteps(LedChannels present) =>
    [
        (new(Blink.Steady, Blink.Off, Blink.Off), 500),
        (new(Blink.Off, Blink.Steady, Blink.Off), 500),
        (new(Blink.Off, Blink.Off, Blink.Steady), 500),
        (For(LightState.LampTest, present), 1000),
    ];
}

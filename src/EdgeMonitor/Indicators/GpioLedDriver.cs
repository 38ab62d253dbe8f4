using EdgeMonitor.Indicators.Interop;

namespace EdgeMonitor.Indicators;

/// <summary>
/// LEDs on GPIO lines, requested as outputs under the consumer "edgemonitor" in one request.
/// Lines are numbers or names; a leading '!' (or the indicator's activeLow) makes a line
/// active-low, so "on" always means lit. GPIO cannot blink by itself: the controller
/// toggles blinking channels, and drives them to the stall look when the monitor stalls.
/// </summary>
public sealed class GpioLedDriver : ILedDriver
{
    private readonly GpioChip _chip;
    private readonly GpioLines _lines;
    private readonly LedChannels[] _channelOfIndex;
    private LedChannels _shownOn;
    private Look _look = Look.Dark;
    private bool _released;

    public string Describe { get; }
    public LedChannels Channels { get; }

    public GpioLedDriver(string? chip, bool activeLow, string? green, string? amber, string? red)
    {
        _chip = GpioChip.Open(chip);
        try
        {
            var offsets = new List<uint>();
            var channels = new List<LedChannels>();
            ulong lowMask = 0;
            foreach (var (channel, spec) in new[] { (LedChannels.Green, green), (LedChannels.Amber, amber), (LedChannels.Red, red) })
            {
                if (string.IsNullOrWhiteSpace(spec))
                    continue;
                var (line, low) = ParseLine(spec);
                if (low || activeLow)
                    lowMask |= 1UL << offsets.Count;
                offsets.Add(_chip.FindLine(line));
                channels.Add(channel);
                Channels |= channel;
            }
            if (offsets.Count == 0)
                throw new IndicatorException("a gpio indicator needs at least one of green, amber, red");
            if (offsets.Distinct().Count() != offsets.Count)
                throw new IndicatorException($"{_chip.Path}: the same line is given for two colours");
            _lines = _chip.Request(offsets, GpioV2LineFlag.Output, lowMask);
            _channelOfIndex = [.. channels];
            Describe = $"gpio {_chip.Path} {string.Join(",", offsets)}";
        }
        catch
        {
            _chip.Dispose();
            throw;
        }
    }

    /// <summary>"17", "GPIO17", "!17" (active-low).</summary>
    public static (string Line, bool ActiveLow) ParseLine(string spec)
    {
        spec = spec.Trim();
        return spec.StartsWith('!') ? (spec[1..].Trim(), true) : (spec, false);
    }

    public LedChannels Show(Look look, string source, LightState state)
    {
        _look = look;
        LedChannels steadyOn = LedChannels.None, blinking = LedChannels.None;
        foreach (LedChannels c in _channelOfIndex)
        {
            if (look[c].IsSteady)
                steadyOn |= c;
            else if (look[c].IsBlinking)
                blinking |= c;
        }
        // Steady and off channels now; blinking ones start lit and are toggled by SetLit.
        Write(steadyOn | blinking);
        return blinking;
    }

    public void SetLit(LedChannels mask, LedChannels lit) => Write((_shownOn & ~mask) | (lit & mask));

    private void Write(LedChannels on)
    {
        ulong bits = 0;
        for (int i = 0; i < _channelOfIndex.Length; i++)
        {
            if (on.HasFlag(_channelOfIndex[i]))
                bits |= 1UL << i;
        }
        ulong all = (1UL << _channelOfIndex.Length) - 1;
        _lines.Set(bits, all);
        _shownOn = on & Channels;
    }

    public void Release(bool keepShown)
    {
        if (_released)
            return;
        _released = true;
        try
        {
            // After release the lines keep their level on common controllers (not promised by the
            // kernel): a blinking channel is left steady so "failing" stays visible.
            LedChannels final = LedChannels.None;
            if (keepShown)
            {
                foreach (LedChannels c in _channelOfIndex)
                {
                    if (!_look[c].IsOff)
                        final |= c;
                }
            }
            Write(final);
        }
        finally
        {
            _lines.Dispose();
            _chip.Dispose();
        }
    }

    public void Dispose() => Release(keepShown: false);
}

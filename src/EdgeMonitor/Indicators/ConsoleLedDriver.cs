
namespace EdgeMonitor.Indicators;

/// <summary>
/// The indicator of a box without LEDs (and of `run` in a terminal): one compact line each
/// time the look changes, never a spinner.
/// </summary>
public sealed class ConsoleLedDriver(TextWriter output, TimeProvider time) : ILedDriver
{
    private readonly object _gate = new();

    public string Describe => "console";

    public LedChannels Channels => LedChannels.All;

    public LedChannels Show(Look look, string source, LightState state)
    {
        string name = state switch
        {
            LightState.LampTest => "lamp test",
            LightState.Identify => "identify",
            _ => state.ToString().ToLowerInvariant(),
        };
        Write($"{time.GetUtcNow():HH:mm:ss} leds {source}: {name} ({look.Describe()})");
        return LedChannels.None;
    }

    public void SetLit(LedChannels mask, LedChannels lit)
    {
    }

    public void Release(bool keepShown)
    {
        if (!keepShown)
            Write($"{time.GetUtcNow():HH:mm:ss} leds: off");
    }

    private void Write(string line)
    {
        lock (_gate)
        {
            output.WriteLine(line);
            output.Flush();
        }
    }

    public void Dispose()
    {
    }
}

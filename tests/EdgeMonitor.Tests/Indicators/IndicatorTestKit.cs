using EdgeMonitor.Net;
using Serilog.Core;
using Serilog.Events;

namespace EdgeMonitor.Tests.Indicators;

/// <summary>A clock that moves only when told (Microsoft.Extensions.TimeProvider.Testing is not in this mirror).</summary>
public sealed class ManualClock : TimeProvider
{
    private long _ticks;
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => Interlocked.Read(ref _ticks);
    public override DateTimeOffset GetUtcNow() => Start.AddTicks(GetTimestamp());
    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
    public void AdvanceMs(long ms) => Advance(TimeSpan.FromMilliseconds(ms));
}

/// <summary>Serilog events kept for asserts.</summary>
public sealed class LogCapture : ILogEventSink
{
    private readonly List<string> _lines = [];

    public Serilog.ILogger Logger { get; }

    public LogCapture() => Logger = new Serilog.LoggerConfiguration().MinimumLevel.Verbose().WriteTo.Sink(this).CreateLogger();

    public void Emit(LogEvent e)
    {
        lock (_lines)
            _lines.Add($"{e.Level} {e.RenderMessage()}");
    }

    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
                return [.. _lines];
        }
    }
}

/// <summary>
/// A directory tree laid out like /sys/class/leds: brightness, max_brightness and a trigger file
/// in the kernel's "[current] other other" format; delay_on/delay_off as the timer trigger makes them.
/// </summary>
public sealed class FakeSysfs : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("edgemonitor-sysfs").FullName;

    public FakeSysfs AddLed(string name, string trigger = "[none] timer heartbeat default-on", int max = 255, int brightness = 0)
    {
        string dir = Dir(name);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "brightness"), $"{brightness}\n");
        File.WriteAllText(Path.Combine(dir, "max_brightness"), $"{max}\n");
        File.WriteAllText(Path.Combine(dir, "trigger"), trigger + "\n");
        if (trigger.Contains("[timer]", StringComparison.Ordinal))
        {
            File.WriteAllText(Path.Combine(dir, "delay_on"), "500\n");
            File.WriteAllText(Path.Combine(dir, "delay_off"), "500\n");
        }
        return this;
    }

    public string Dir(string led) => Path.Combine(Root, "class", "leds", led);

    /// <summary>What was last written (or laid out) in a file, trimmed; null if absent.</summary>
    public string? Read(string led, string file)
    {
        string p = Path.Combine(Dir(led), file);
        return File.Exists(p) ? File.ReadAllText(p).Trim() : null;
    }

    /// <summary>Summary of one LED as a person would check it: "timer 125/125", "on 255", "off".</summary>
    public string State(string led)
    {
        string trigger = Read(led, "trigger") ?? "?";
        if (trigger.StartsWith('['))
            trigger = trigger[1..trigger.IndexOf(']')];
        if (trigger == "timer")
            return $"timer {Read(led, "delay_on")}/{Read(led, "delay_off")}";
        string b = Read(led, "brightness") ?? "?";
        return trigger != "none" ? trigger : b == "0" ? "off" : $"on {b}";
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

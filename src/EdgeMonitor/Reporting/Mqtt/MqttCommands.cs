using System.Text;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;

namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>
/// The command topic: `recheck` and `identify`. Anything else, anything retained (it would fire
/// on every reconnect) and anything over <see cref="MaxPayload"/> bytes is logged and ignored.
/// </summary>
internal sealed class MqttCommands(IMonitorControl control, Serilog.ILogger log)
{
    public const int MaxPayload = 256;

    public void Handle(CommandInput m)
    {
        string? word = m.Payload is { } p && !m.Retained ? Encoding.UTF8.GetString(p).Trim() : null;
        try
        {
            switch (word)
            {
                case "recheck":
                    // The monitor logs coalesced re-checks once; a flood of commands must not flood the log here.
                    log.Debug("MQTT command: recheck");
                    control.RecheckNow("mqtt command");
                    break;
                case "identify":
                    log.Information("MQTT command: identify");
                    control.Identify(TimeSpan.FromSeconds(30));
                    break;
                default:
                    log.Warning("MQTT command ignored on {Topic}: {Payload}{Retained} (known: recheck, identify; at most {Max} bytes)",
                        m.Topic, Describe(m.Payload, m.Length), m.Retained ? " (retained)" : "", MaxPayload);
                    break;
            }
        }
        catch (Exception e)
        {
            log.Error("MQTT command {Command} failed: {Error}", word, e.Message);
        }
    }

    /// <summary>At most 64 characters, control characters shown as '?'; an oversized payload by its length only.</summary>
    private static string Describe(byte[]? payload, long length)
    {
        if (payload is null)
            return $"({length} bytes)";
        string s = Encoding.UTF8.GetString(payload);
        var sb = new StringBuilder(Math.Min(s.Length, 64));
        foreach (char ch in s.AsSpan(0, Math.Min(s.Length, 64)))
            sb.Append(char.IsControl(ch) ? '?' : ch);
        return sb.ToString();
    }
}

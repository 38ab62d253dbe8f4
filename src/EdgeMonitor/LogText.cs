using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace EdgeMonitor;

/// <summary>
/// Text from peers (certificate subjects, banners, DNS names, MQTT payloads, config values)
/// reaches log lines as message properties. A newline in it would forge a log line, and an
/// escape sequence would drive the admin's terminal, so control characters are written as
/// escapes (\n, \r, \t, \u001b) before any sink sees them.
/// </summary>
public static class LogText
{
    public static bool NeedsEscape(string s)
    {
        foreach (char c in s)
        {
            if (IsUnsafe(c))
                return true;
        }
        return false;
    }

    public static string Escape(string s)
    {
        if (!NeedsEscape(s))
            return s;
        var sb = new StringBuilder(s.Length + 16);
        foreach (char c in s)
        {
            if (!IsUnsafe(c))
                sb.Append(c);
            else
                sb.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => $"\\u{(int)c:x4}" });
        }
        return sb.ToString();
    }

    // C0, DEL, C1, and the Unicode line and paragraph separators.
    private static bool IsUnsafe(char c) => char.IsControl(c) || c is '\u2028' or '\u2029';
}

/// <summary>Escapes every string property of a log event (<see cref="LogText"/>): the one place peer text is made safe for logs.</summary>
public sealed class ControlCharacterEscaper : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        List<LogEventProperty>? replaced = null;
        foreach (var (name, value) in logEvent.Properties)
        {
            if (Escape(value) is { } safe)
                (replaced ??= []).Add(new LogEventProperty(name, safe));
        }
        foreach (LogEventProperty p in replaced ?? [])
            logEvent.AddOrUpdateProperty(p);
    }

    // The escaped value, or null when it is already safe.
    private static LogEventPropertyValue? Escape(LogEventPropertyValue value)
    {
        switch (value)
        {
            case ScalarValue { Value: string s } when LogText.NeedsEscape(s):
                return new ScalarValue(LogText.Escape(s));
            case SequenceValue seq when seq.Elements.Any(e => Escape(e) is not null):
                return new SequenceValue(seq.Elements.Select(e => Escape(e) ?? e));
            default:
                return null;
        }
    }
}

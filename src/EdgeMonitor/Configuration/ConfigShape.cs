using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using EdgeMonitor.Net;

namespace EdgeMonitor.Configuration;

/// <summary>
/// Checks a parsed config file against the config classes (their source-generated metadata, so
/// it stays AOT-safe and never drifts from them) before deserializing: unknown keys with a
/// "did you mean", wrong types and nulls, every one of them with its path, in words a site
/// admin reads ("must be a whole number"), never .NET's type names.
/// </summary>
internal static class ConfigShape
{
    public static void Check(JsonElement e, JsonTypeInfo info, string path, List<ConfigError> errors)
    {
        Type t = Nullable.GetUnderlyingType(info.Type) ?? info.Type;
        if (t == typeof(string))
            Expect(e.ValueKind == JsonValueKind.String, "must be text in quotes");
        else if (t == typeof(bool))
            Expect(e.ValueKind is JsonValueKind.True or JsonValueKind.False, "must be true or false");
        else if (t == typeof(int))
            Expect(e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out _), WholeNumber(e, "-2147483648..2147483647"));
        else if (t == typeof(long))
            Expect(e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out _), WholeNumber(e, "a 64-bit whole number"));
        else if (t == typeof(double))
            Expect(e.ValueKind == JsonValueKind.Number && double.IsFinite(e.GetDouble()), "must be a number");
        else if (t.IsEnum)
            CheckName(e, info, path, errors);
        else if (info.Kind == JsonTypeInfoKind.Object)
            CheckObject(e, info, path, errors);
        else if (info.Kind == JsonTypeInfoKind.Enumerable)
        {
            if (Expect(e.ValueKind == JsonValueKind.Array, "must be a list [ ... ]"))
            {
                JsonTypeInfo element = info.Options.GetTypeInfo(info.ElementType!);
                int i = 0;
                foreach (JsonElement item in e.EnumerateArray())
                    CheckValue(item, element, nullable: false, $"{path}[{i++}]", errors);
            }
        }
        else if (info.Kind == JsonTypeInfoKind.Dictionary)
        {
            if (Expect(e.ValueKind == JsonValueKind.Object, "must be an object { ... }"))
            {
                JsonTypeInfo element = info.Options.GetTypeInfo(info.ElementType!);
                foreach (JsonProperty p in e.EnumerateObject())
                    CheckValue(p.Value, element, nullable: false, $"{path}.{p.Name}", errors);
            }
        }

        bool Expect(bool ok, string message)
        {
            if (!ok)
                errors.Add(new ConfigError(path, $"{message}, not {Describe(e)}"));
            return ok;
        }
    }

    private static void CheckValue(JsonElement e, JsonTypeInfo info, bool nullable, string path, List<ConfigError> errors)
    {
        if (e.ValueKind == JsonValueKind.Null)
        {
            if (!nullable && Nullable.GetUnderlyingType(info.Type) is null)
                errors.Add(new ConfigError(path, "must not be null (leave the key out for the default)"));
            return;
        }
        Check(e, info, path, errors);
    }

    private static void CheckObject(JsonElement e, JsonTypeInfo info, string path, List<ConfigError> errors)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new ConfigError(path, $"must be an object {{ ... }}, not {Describe(e)}"));
            return;
        }
        var known = info.Properties.Where(p => p.Set is not null).ToDictionary(p => p.Name, StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonProperty p in e.EnumerateObject())
        {
            string at = $"{path}.{p.Name}";
            if (!seen.Add(p.Name))
                errors.Add(new ConfigError(at, "appears twice"));
            if (!known.TryGetValue(p.Name, out JsonPropertyInfo? prop))
            {
                errors.Add(new ConfigError(at, $"unknown key '{p.Name}'{DidYouMean(p.Name, known.Keys)}"));
                continue;
            }
            // A property with its own converter (e.g. an I2C address as 0x3c or "0x3c") says itself what it takes.
            if (prop.CustomConverter is not null)
                continue;
            CheckValue(p.Value, info.Options.GetTypeInfo(prop.PropertyType), prop.IsSetNullable, at, errors);
        }
    }

    /// <summary>
    /// A config enum (probe.ipv6, leds.onStall, leds.indicators[].driver...) is one of its names,
    /// spelled exactly as its converter writes them; numbers and other spellings are refused here,
    /// the one place, with the allowed names.
    /// </summary>
    private static void CheckName(JsonElement e, JsonTypeInfo info, string path, List<ConfigError> errors)
    {
        string[] names = [.. Enum.GetValuesAsUnderlyingType(info.Type).Cast<object>()
            .Select(v => Name((Enum)Enum.ToObject(info.Type, v), info))];
        if (e.ValueKind == JsonValueKind.String && names.Contains(e.GetString(), StringComparer.Ordinal))
            return;
        string given = e.ValueKind == JsonValueKind.String ? DidYouMean(e.GetString()!, names) : "";
        errors.Add(new ConfigError(path, $"must be {OneOf(names)}, not {Describe(e)}{given}"));
    }

    /// <summary>A config enum value as the file spells it ("ledclass", "off"): for messages and logs.</summary>
    public static string Name(Enum value) => Name(value, ConfigJsonContext.Default.GetTypeInfo(value.GetType())
        ?? throw new ArgumentException($"{value.GetType().Name} is not part of the configuration", nameof(value)));

    private static string Name(Enum value, JsonTypeInfo info) => JsonSerializer.Serialize(value, info).Trim('"');

    /// <summary>"a, b or c".</summary>
    private static string OneOf(string[] names) =>
        names.Length == 1 ? names[0] : $"{string.Join(", ", names[..^1])} or {names[^1]}";

    private static string WholeNumber(JsonElement e, string range) =>
        e.ValueKind == JsonValueKind.Number ? $"must be a whole number in {range}" : "must be a whole number";

    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => $"text \"{Clip(e.GetString() ?? "")}\"",
        JsonValueKind.Number => $"the number {Clip(e.GetRawText())}",
        JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    private static string Clip(string s)
    {
        s = LogText.Escape(s);
        return s.Length > 40 ? s[..40] + "..." : s;
    }

    /// <summary>" (did you mean 'x'?)" for the closest known name within a small edit distance, else "".</summary>
    public static string DidYouMean(string given, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string k in known)
        {
            int d = Distance(given.ToLowerInvariant(), k.ToLowerInvariant());
            if (d < bestDistance)
                (best, bestDistance) = (k, d);
        }
        if (best is not null && bestDistance <= Math.Max(2, given.Length / 3) && bestDistance < given.Length)
            return $" (did you mean '{best}'?)";
        // A longer or shorter spelling of a name ('nodeName' for 'node'): too far apart by edits, plainly meant.
        foreach (string k in known)
        {
            if (Math.Min(k.Length, given.Length) >= 3
                && (given.StartsWith(k, StringComparison.OrdinalIgnoreCase) || k.StartsWith(given, StringComparison.OrdinalIgnoreCase)))
                return $" (did you mean '{k}'?)";
        }
        return "";
    }

    // Levenshtein distance, two rows; names are short.
    private static int Distance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
            return int.MaxValue;
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
            prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }
}

using System.Net;
using System.Reflection;
using System.Text.Json;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Profiles;

namespace EdgeMonitor.Configuration;

/// <summary>One thing wrong in a configuration: where (JSON path) and what, in the user's words.</summary>
public sealed record ConfigError(string Path, string Message);

/// <summary>A configuration that cannot be used: the file and every problem found in it, each with its JSON path.</summary>
/// <summary>A config value's own converter refusing it, in words meant for the admin (shown as they are).</summary>
public sealed class ConfigValueException(string text) : JsonException(text)
{
    public string Text { get; } = text;
}

public sealed class ConfigException(string source, IReadOnlyList<ConfigError> errors)
    : Exception(string.Join("\n", errors.Select(e => $"{source}: {e.Path}: {e.Message}")))
{
    public ConfigException(string source, string path, string message) : this(source, [new ConfigError(path, message)])
    {
    }

    public string Source_ { get; } = source;

    /// <summary>The first problem's path.</summary>
    public string JsonPath => Errors[0].Path;

    public IReadOnlyList<ConfigError> Errors { get; } = errors;
}

/// <summary>
/// The rules of a section an output owns (leds, display): the output checks its own section;
/// the loader only runs what it is handed, so configuration imports no output.
/// </summary>
public delegate void SectionRules(EdgeMonitorConfig config, Action<bool, string, string> check);

/// <summary>Loads, parses and validates the configuration file (or the embedded default).</summary>
public static class ConfigLoader
{
    public const string EmbeddedName = "(embedded default)";

    /// <param name="outputs">The output sections' own rules, checked with the rest (every problem reported at once).</param>
    public static EdgeMonitorConfig Load(string? path, IReadOnlyList<SectionRules>? outputs = null)
    {
        string source = path ?? EmbeddedName;
        string text;
        if (path is null)
        {
            using var s = Assembly.GetExecutingAssembly().GetManifestResourceStream("default-config.json")
                ?? throw new InvalidOperationException("embedded default config missing");
            using var reader = new StreamReader(s);
            text = reader.ReadToEnd();
        }
        else
        {
            try
            {
                text = BoundedFile.ReadAllText(path, BoundedFile.ConfigMaxBytes);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException(source, "$", $"cannot read: {e.Message}");
            }
        }
        EdgeMonitorConfig config = Parse(text, source);
        Validate(config, source, outputs);
        return config;
    }

    /// <summary>
    /// Narrows a loaded config to the named built-in profiles (`--profile`): custom targets and
    /// requirement overrides of other profiles drop out; the result is validated again.
    /// </summary>
    public static void SelectProfiles(EdgeMonitorConfig config, IReadOnlyList<string> profiles, string source,
        IReadOnlyList<SectionRules>? outputs = null)
    {
        if (profiles.Count == 0)
            return;
        config.Profiles = [.. profiles];
        config.Targets = config.Targets.Where(t => t.Profile is not null && profiles.Contains(t.Profile)).ToList();
        config.Requirements = config.Requirements.Where(kv => profiles.Contains(kv.Key.Split('/')[0]))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        Validate(config, source, outputs);
    }

    /// <summary>
    /// The file's shape is checked against the config classes first (unknown keys with a "did you
    /// mean", wrong types, nulls), all at once; only a file that fits is deserialized.
    /// </summary>
    public static EdgeMonitorConfig Parse(string json, string source)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions
            {
                CommentHandling = JsonCommentHandling.Skip,
                AllowTrailingCommas = true,
                MaxDepth = 32,
            });
        }
        catch (JsonException e)
        {
            throw new ConfigException(source, PathOfSyntaxError(json) ?? "$", SyntaxError(e));
        }
        using (doc)
        {
            var errors = new List<ConfigError>();
            ConfigShape.Check(doc.RootElement, ConfigJsonContext.Default.EdgeMonitorConfig, "$", errors);
            if (errors.Count > 0)
                throw new ConfigException(source, errors);
            try
            {
                return doc.RootElement.Deserialize(ConfigJsonContext.Default.EdgeMonitorConfig)
                    ?? throw new ConfigException(source, "$", "the file holds null, not an object");
            }
            catch (JsonException e)
            {
                // The shape check should have caught it, or one of our converters refused the value in
                // its own words; never show .NET's wording.
                throw new ConfigException(source, e.Path ?? "$", e is ConfigValueException v ? v.Text : "has a value of the wrong type");
            }
        }
    }

    // The document reader knows the line, the serializer the JSON path: ask it too.
    private static string? PathOfSyntaxError(string json)
    {
        try
        {
            JsonSerializer.Deserialize(json, ConfigJsonContext.Default.EdgeMonitorConfig);
            return null;
        }
        catch (JsonException e)
        {
            return e.Path;
        }
    }

    private static string SyntaxError(JsonException e)
    {
        string where = e.LineNumber is long line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
        string m = e.Message;
        string[] truncated = ["isFinalBlock", "does not contain any JSON", "Expected depth to be zero", "end of data"];
        string what = truncated.Any(t => m.Contains(t, StringComparison.Ordinal))
            ? "the file is empty or ends before the JSON is complete"
            : m.Contains("maximum configured depth", StringComparison.Ordinal)
                ? "nested too deeply"
                : "not valid JSON: " + Simplify(m);
        return what + where;
    }

    // System.Text.Json appends its own path and position; we print ours.
    private static string Simplify(string message)
    {
        foreach (string tail in (string[])[" Path: ", " LineNumber: ", " | "])
        {
            int cut = message.IndexOf(tail, StringComparison.Ordinal);
            if (cut > 0)
                message = message[..cut];
        }
        return message.TrimEnd('.', ' ');
    }

    /// <summary>Every rule on the values, every problem reported at once.</summary>
    public static void Validate(EdgeMonitorConfig c, string source, IReadOnlyList<SectionRules>? outputs = null)
    {
        var errors = new List<ConfigError>();
        void Check(bool ok, string path, string message)
        {
            if (!ok)
                errors.Add(new ConfigError(path, message));
        }

        Check(!string.IsNullOrWhiteSpace(c.Site), "$.site", "must not be empty");
        for (int i = 0; i < c.Profiles.Count; i++)
        {
            string[] known = [.. BuiltInProfiles.All.Select(p => p.Name)];
            Check(BuiltInProfiles.Find(c.Profiles[i]) is not null, $"$.profiles[{i}]",
                $"unknown profile '{c.Profiles[i]}'{ConfigShape.DidYouMean(c.Profiles[i], known)} (known: {string.Join(", ", known)})");
        }
        Check(AddressMap.TryCreate(c.AddressMap, out _, out string? mapError), "$.addressMap", mapError ?? "");
        if (c.Dns.Server is { } dns)
        {
            Check(AddressMap.TryParseHostPort(dns, out string h, out _) && IPAddress.TryParse(h, out _),
                "$.dns.server", $"'{dns}' is not ip or ip:port");
        }
        if (c.Ntp.Server is { } ntp)
            Check(AddressMap.TryParseHostPort(ntp, out _, out _), "$.ntp.server", $"'{ntp}' is not host or host:port");
        Check(c.Ntp.MaxOffsetMs > 0, "$.ntp.maxOffsetMs", "must be positive");
        if (c.Tls.ExtraCaFile is { } ca)
            Check(CanRead(ca, BoundedFile.CaMaxBytes, out string? caError), "$.tls.extraCaFile", caError ?? "");
        Check(c.Probe.TimeoutMs is >= 100 and <= 120_000, "$.probe.timeoutMs", "must be 100..120000");
        Check(c.Probe.Concurrency is >= 1 and <= 1024, "$.probe.concurrency", "must be 1..1024");
        Check(c.Probe.MaxAddresses is >= 1 and <= 16, "$.probe.maxAddresses", "must be 1..16");
        Check(c.Monitor.IntervalSeconds is >= 1 and <= 86400, "$.monitor.intervalSeconds", "must be 1..86400");
        foreach (var (kind, secs) in c.Monitor.Intervals)
        {
            Check(ProbeKinds.Find(kind) is not null, $"$.monitor.intervals.{kind}",
                $"unknown probe kind{ConfigShape.DidYouMean(kind, ProbeKinds.Names.Split(", "))} (known: {ProbeKinds.Names})");
            Check(secs is >= 1 and <= 86400, $"$.monitor.intervals.{kind}", "must be 1..86400");
        }
        Check(c.Monitor.Jitter is >= 0 and <= 0.5, "$.monitor.jitter", "must be 0..0.5");
        Check(c.Monitor.FailuresToFail is >= 1 and <= 100, "$.monitor.failuresToFail", "must be 1..100");
        Check(c.Monitor.SuccessesToRecover is >= 1 and <= 100, "$.monitor.successesToRecover", "must be 1..100");
        Check(c.Monitor.WatchdogSeconds is >= 0 and <= 3600, "$.monitor.watchdogSeconds", "must be 0..3600 (0: as systemd says)");
        Check(Enum.TryParse<Serilog.Events.LogEventLevel>(c.Logging.Level, ignoreCase: true, out _), "$.logging.level",
            "must be Verbose, Debug, Information, Warning, Error or Fatal");
        Check(c.Logging.FileSizeLimitBytes is >= 65536 and <= 1L << 30, "$.logging.fileSizeLimitBytes", "must be 65536..1073741824");
        Check(c.Logging.RetainedFileCount is >= 1 and <= 100, "$.logging.retainedFileCount", "must be 1..100");
        foreach (SectionRules rules in outputs ?? [])
            rules(c, Check);
        // Targets last: they need the rest to be sane.
        if (errors.Count == 0)
            TargetCatalog.Collect(c, errors);
        if (errors.Count > 0)
            throw new ConfigException(source, errors);
    }

    /// <summary>A file the config names exists, is a regular file and is within its cap.</summary>
    private static bool CanRead(string path, long maxBytes, out string? error)
    {
        try
        {
            BoundedFile.ReadAllBytes(path, maxBytes);
            error = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = e is FileNotFoundException ? $"file '{path}' does not exist" : e.Message;
            return false;
        }
    }
}

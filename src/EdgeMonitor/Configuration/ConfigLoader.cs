using System.Net;
using System.Reflection;
using System.Text.Json;
using EdgeMonitor.Probes;
using EdgeMonitor.Profiles;

namespace EdgeMonitor.Configuration;

/// <summary>A configuration that cannot be used: where (file, JSON path) and what is wrong.</summary>
public sealed class ConfigException(string source, string path, string message)
    : Exception($"{source}: {path}: {message}")
{
    public string Source_ { get; } = source;
    public string JsonPath { get; } = path;
}

/// <summary>Loads, parses and validates the configuration file (or the embedded default).</summary>
public static class ConfigLoader
{
    public const string EmbeddedName = "(embedded default)";

    public static EdgeMonitorConfig Load(string? path)
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
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new ConfigException(source, "$", $"cannot read: {e.Message}");
            }
        }
        EdgeMonitorConfig config = Parse(text, source);
        Validate(config, source);
        return config;
    }

    /// <summary>
    /// Narrows a loaded config to the named built-in profiles (`--profile`): custom targets and
    /// requirement overrides of other profiles drop out; the result is validated again.
    /// </summary>
    public static void SelectProfiles(EdgeMonitorConfig config, IReadOnlyList<string> profiles, string source)
    {
        if (profiles.Count == 0)
            return;
        config.Profiles = [.. profiles];
        config.Targets = config.Targets.Where(t => t.Profile is not null && profiles.Contains(t.Profile)).ToList();
        config.Requirements = config.Requirements.Where(kv => profiles.Contains(kv.Key.Split('/')[0]))
            .ToDictionary(kv => kv.Key, kv => kv.Value);
        Validate(config, source);
    }

    public static EdgeMonitorConfig Parse(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize(json, ConfigJsonContext.Default.EdgeMonitorConfig)
                ?? throw new ConfigException(source, "$", "the file holds null, not an object");
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is long line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            throw new ConfigException(source, e.Path ?? "$", Simplify(e.Message) + where);
        }
    }

    // System.Text.Json appends its own path and position; we print ours.
    private static string Simplify(string message)
    {
        int cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    public static void Validate(EdgeMonitorConfig c, string source)
    {
        void Check(bool ok, string path, string message)
        {
            if (!ok)
                throw new ConfigException(source, path, message);
        }

        Check(!string.IsNullOrWhiteSpace(c.Site), "$.site", "must not be empty");
        for (int i = 0; i < c.Profiles.Count; i++)
        {
            Check(BuiltInProfiles.Find(c.Profiles[i]) is not null, $"$.profiles[{i}]",
                $"unknown profile '{c.Profiles[i]}' (known: {string.Join(", ", BuiltInProfiles.All.Select(p => p.Name))})");
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
            Check(File.Exists(ca), "$.tls.extraCaFile", $"file '{ca}' does not exist");
        Check(c.Probe.TimeoutMs is >= 100 and <= 120_000, "$.probe.timeoutMs", "must be 100..120000");
        Check(c.Probe.Concurrency is >= 1 and <= 1024, "$.probe.concurrency", "must be 1..1024");
        Check(c.Probe.Ipv6 is "off" or "optional" or "required", "$.probe.ipv6", "must be off, optional or required");
        Check(c.Probe.MaxAddresses is >= 1 and <= 16, "$.probe.maxAddresses", "must be 1..16");
        Check(c.Monitor.IntervalSeconds is >= 1 and <= 86400, "$.monitor.intervalSeconds", "must be 1..86400");
        foreach (var (kind, secs) in c.Monitor.Intervals)
        {
            Check(ProbeKinds.Find(kind) is not null, $"$.monitor.intervals.{kind}", $"unknown probe kind (known: {ProbeKinds.Names})");
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
        for (int i = 0; i < c.Leds.Indicators.Count; i++)
        {
            Check(c.Leds.Indicators[i].Driver is "gpio" or "ledclass" or "console", $"$.leds.indicators[{i}].driver",
                "must be gpio, ledclass or console");
        }
        Indicators.LedsValidation.Validate(c, Check);
        Indicators.Display.DisplayValidation.Validate(c, Check);
        // Targets last: they need the rest to be sane.
        TargetCatalog.Build(c, source);
    }
}

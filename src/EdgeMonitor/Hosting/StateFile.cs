using System.Text.Json;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Reporting;
using Serilog;

namespace EdgeMonitor.Hosting;

/// <summary>
/// status.json in the state directory: the `check --json` shape plus updatedAt and stale.
/// Written atomically (temp file, fsync, rename) so a reader or a power cut never sees half a file.
/// </summary>
public static class StateFile
{
    public const string FileName = "status.json";

    /// <summary>--state-dir, else $STATE_DIRECTORY (systemd StateDirectory=), else /var/lib/edgemonitor.</summary>
    public static string DirectoryFor(string? option)
    {
        if (!string.IsNullOrWhiteSpace(option))
            return option;
        string? env = Environment.GetEnvironmentVariable("STATE_DIRECTORY");
        return string.IsNullOrEmpty(env) ? "/var/lib/edgemonitor" : env.Split(':')[0];
    }

    public static string Render(StatusSnapshot snapshot, DateTimeOffset updatedAt, long cycles) =>
        StatusJson.Serialize(snapshot, indented: true, extra: w =>
        {
            w.WriteString("updatedAt", updatedAt);
            w.WriteBoolean("stale", snapshot.Stale);
            w.WriteNumber("cycles", cycles);
        });

    public static void Write(string path, string json)
    {
        string tmp = path + ".tmp";
        using (var fs = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            byte[] bytes = System.Text.Encoding.UTF8.GetBytes(json);
            fs.Write(bytes);
            fs.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// The last run's picture (overall, profiles, groups; no results), marked stale; null if none.
    /// A file that cannot be used (unreadable, over the size cap, not JSON, missing or duplicate
    /// names, unknown statuses) is set aside as status.json.bad and <paramref name="error"/>
    /// says so: a bad file costs the stale picture once, never a crash loop.
    /// </summary>
    public static StatusSnapshot? Load(string path, out string? error)
    {
        error = null;
        if (!File.Exists(path) && !Directory.Exists(path))
            return null;
        try
        {
            return Validate(Configuration.BoundedFile.ReadAllBytes(path, Configuration.BoundedFile.StateMaxBytes));
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException or KeyNotFoundException
                                      or InvalidOperationException or FormatException)
        {
            error = $"{path}: {e.Message}";
            string aside = path + ".bad";
            try
            {
                if (Directory.Exists(path))
                    Directory.Move(path, aside + "-" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture));
                else
                    File.Move(path, aside, overwrite: true);
                error += $"; set aside as {aside}";
            }
            catch (Exception m) when (m is IOException or UnauthorizedAccessException)
            {
                error += $"; cannot set it aside: {m.Message}";
            }
            return null;
        }
    }

    private static StatusSnapshot Validate(byte[] bytes)
    {
        using var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 16 });
        JsonElement root = doc.RootElement;
        var groups = new List<GroupStatus>();
        var groupKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonElement g in root.GetProperty("groups").EnumerateArray())
        {
            var group = new GroupStatus(Name(g, "profile"), Name(g, "id"), Parse(g.GetProperty("status")),
                ReasonOf(g), Text(g, "detail"));
            if (!groupKeys.Add(group.Key))
                throw new FormatException($"group '{group.Key}' is listed twice");
            groups.Add(group);
        }
        var profiles = new List<ProfileStatus>();
        var profileNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (JsonElement p in root.GetProperty("profiles").EnumerateArray())
        {
            string name = Name(p, "name");
            if (!profileNames.Add(name))
                throw new FormatException($"profile '{name}' is listed twice");
            // The file keeps no profile reason: its worst group's, as the evaluator gives it.
            Reason reason = StatusOrder.WorstOf([.. groups.Where(g => g.Profile == name)]).Reason;
            profiles.Add(new ProfileStatus(name, Parse(p.GetProperty("status")), reason));
        }
        return new StatusSnapshot(Parse(root.GetProperty("overall")), ReasonOf(root), profiles, groups, []) { Stale = true };
    }

    // A code this version does not know (a newer one wrote the file) or none: unknown; the picture is stale anyway.
    private static Reason ReasonOf(JsonElement e) => ReasonCodes.TryParse(Text(e, "reason"), out Reason r) ? r : Reason.Unknown;

    private static string Name(JsonElement e, string key) =>
        e.GetProperty(key).GetString() is { Length: > 0 } s ? s : throw new FormatException($"empty or null '{key}'");

    private static string Text(JsonElement e, string key) =>
        e.TryGetProperty(key, out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "";

    private static Status Parse(JsonElement status) => status.GetString() switch
    {
        "ok" => Status.Ok,
        "degraded" => Status.Degraded,
        "failing" => Status.Failing,
        "unknown" => Status.Unknown,
        var other => throw new FormatException($"unknown status '{other}'"),
    };
}
/// <summary>
/// Writes status.json after every change, off the monitor loop: the latest picture wins, a
/// slow SD card never holds up the loop, and a write error is logged (once per kind) and survived.
/// </summary>
public sealed class StateFileSink : IStatusSink, IAsyncDisposable
{
    private readonly string _path;
    private readonly ILogger _log;
    private readonly Func<long> _cycles;
    private readonly SemaphoreSlim _signal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _task;
    private StatusChange? _latest;
    private string? _lastError;

    public StateFileSink(string directory, ILogger log, Func<long> cycles)
    {
        _path = Path.Combine(directory, StateFile.FileName);
        _log = log;
        _cycles = cycles;
        _task = Task.Run(WriteLoopAsync);
    }

    public string Path_ => _path;

    public void OnStatus(StatusChange change)
    {
        Interlocked.Exchange(ref _latest, change);
        _signal.Release();
    }

    private async Task WriteLoopAsync()
    {
        while (true)
        {
            try
            {
                await _signal.WaitAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            Flush();
        }
        Flush(); // the last change before a stop
    }

    private void Flush()
    {
        StatusChange? c = Interlocked.Exchange(ref _latest, null);
        if (c is null)
            return;
        try
        {
            StateFile.Write(_path, StateFile.Render(c.Current, c.At, _cycles()));
            if (_lastError is not null)
                _log.Information("state file {Path} written again", _path);
            _lastError = null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            if (_lastError != e.Message)
                _log.Warning("cannot write state file {Path}: {Error}", _path, e.Message);
            _lastError = e.Message;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        await _task.ConfigureAwait(false);
        _stop.Dispose();
        _signal.Dispose();
    }
}

using System.Text.Json;
using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using Serilog.Core;
using Serilog.Events;

namespace EdgeMonitor.Tests.Reporting;

/// <summary>Status snapshots and changes made by hand, a log that tests can read, and a control that records commands.</summary>
internal static class MqttTestSupport
{
    public static readonly Target Gateway = new("lab", "gw", "tcp", "127.0.0.1", 9, Requirement.Required, Role.Primary, "gw", "test");

    public static StatusSnapshot Snapshot(bool pass, string detail = "refused")
    {
        var s = pass ? Status.Ok : Status.Failing;
        var r = new ProbeResult(Gateway, Family.IPv4, "127.0.0.1:9", pass, pass ? Reason.Ok : Reason.TcpRefused,
            pass ? "" : detail, 1.5, Requirement.Required, DateTimeOffset.UtcNow);
        return new StatusSnapshot(s, pass ? Reason.Ok : Reason.TcpRefused, [new ProfileStatus("lab", s, pass ? Reason.Ok : Reason.TcpRefused)],
            [new GroupStatus("lab", "gw", s, pass ? Reason.Ok : Reason.TcpRefused, pass ? "" : detail)], [r]);
    }

    public static readonly StatusSnapshot Start = new(Status.Unknown, Reason.Unknown, [], [], []);

    /// <summary>A sequence of flips: each change has overall, profile and group transitions (3 events).</summary>
    public static IEnumerable<StatusChange> Flips(int count, bool firstPass = true, StatusSnapshot? from = null)
    {
        var previous = from ?? Start;
        for (int i = 0; i < count; i++)
        {
            var current = Snapshot((i % 2 == 0) == firstPass, $"refused #{i}");
            yield return StatusChange.Between(previous, current, DateTimeOffset.UtcNow);
            previous = current;
        }
    }

    public static EdgeMonitor.Reporting.Mqtt.MqttReporter Create(MqttConfig config, string stateDir, ListSink log, IReadOnlyList<Target> targets,
        RecordingControl? control = null) =>
        EdgeMonitor.Reporting.Mqtt.MqttReporter.TryCreate(config, "lab", "box1", targets, stateDir, log.Logger(), control ?? new RecordingControl(),
            TimeProvider.System)
        ?? throw new InvalidOperationException($"reporter not created:\n{log.Text}");

    public static MqttConfig Config(int port, string prefix) => new()
    {
        Enabled = true,
        Host = "127.0.0.1",
        Port = port,
        TopicPrefix = prefix,
        KeepAliveSeconds = 10,
        ReconnectMaxSeconds = 2,
    };

    public static string Prefix() => $"edgemonitor/lab/t{Guid.NewGuid():N}"[..40];

    public static JsonElement Json(string payload) => JsonDocument.Parse(payload).RootElement.Clone();
}

internal sealed class ListSink : ILogEventSink
{
    private readonly List<string> _lines = [];

    public void Emit(LogEvent logEvent)
    {
        lock (_lines)
            _lines.Add($"{logEvent.Level} {logEvent.RenderMessage()}");
    }

    public string Text
    {
        get
        {
            lock (_lines)
                return string.Join('\n', _lines);
        }
    }

    public Serilog.ILogger Logger() => new Serilog.LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(this).CreateLogger();
}

internal sealed class RecordingControl : IMonitorControl
{
    private readonly List<string> _calls = [];

    public void RecheckNow(string why)
    {
        lock (_calls)
            _calls.Add("recheck");
    }

    public void Identify(TimeSpan duration)
    {
        lock (_calls)
            _calls.Add("identify");
    }

    public List<string> Calls
    {
        get
        {
            lock (_calls)
                return [.. _calls];
        }
    }
}

using System.Text;
using System.Text.Json;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>Topic names of one box. Each level taken from a name is made MQTT-safe (see <see cref="Level"/>).</summary>
public sealed record MqttTopics(string Prefix, string DiscoveryPrefix)
{
    public string Availability => $"{Prefix}/availability";
    public string Status => $"{Prefix}/status";
    public string Events => $"{Prefix}/events";
    public string Command => $"{Prefix}/command";

    public string Target(string profile, string id) => $"{Prefix}/targets/{Level(profile)}/{Level(id)}";

    public static string DefaultPrefix(string site, string node) => $"edgemonitor/{Level(site)}/{Level(node)}";

    /// <summary>One topic level: '/', '+', '#', NUL and control characters become '_'; empty becomes '_'.</summary>
    public static string Level(string s)
    {
        if (s.Length == 0)
            return "_";
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
            sb.Append(c is '/' or '+' or '#' || char.IsControl(c) ? '_' : c);
        return sb.ToString();
    }

    /// <summary>Home Assistant ids allow [a-zA-Z0-9_-] only.</summary>
    public static string HaId(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (char c in s)
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '_');
        return sb.ToString();
    }
}

/// <summary>The JSON payloads, written with Utf8JsonWriter (no reflection). README "## MQTT" shows each.</summary>
internal static class MqttPayloads
{
    public static readonly byte[] Online = "online"u8.ToArray();
    public static readonly byte[] Offline = "offline"u8.ToArray();

    // Not HTML: keep quotes and non-ASCII readable (the Jinja templates are full of ').
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// `check --json` members plus site, node, version, time, uptime, the spool's epoch and counters
    /// and `stale` (true until this process has a verdict of its own).
    /// </summary>
    public static byte[] Status(StatusSnapshot s, bool stale, string site, string node, string version, DateTimeOffset now,
        TimeSpan uptime, string epoch, long spooled, long dropped) => Write(w =>
    {
        w.WriteBoolean("stale", stale);
        w.WriteString("site", site);
        w.WriteString("node", node);
        w.WriteString("version", version);
        w.WriteString("time", now.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteNumber("uptimeSeconds", (long)uptime.TotalSeconds);
        w.WriteString("epoch", epoch);
        w.WriteNumber("spooledEvents", spooled);
        w.WriteNumber("droppedEvents", dropped);
        w.WriteStartArray("failing");
        foreach (var r in s.Results)
        {
            if (!r.Pass)
            {
                w.WriteStartObject();
                w.WriteString("target", r.Target.Key);
                w.WriteString("family", r.Family.ToName());
                w.WriteString("reason", r.Reason.ToCode());
                w.WriteString("detail", r.Detail);
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
        StatusJson.WriteBody(w, s);
    });

    /// <summary>One target: pass only when every family's result passes, and each result in the check --json shape.</summary>
    public static byte[] Target(IReadOnlyList<ProbeResult> results) => Write(w =>
    {
        var t = results[0].Target;
        w.WriteString("profile", t.Profile);
        w.WriteString("target", t.Id);
        w.WriteString("outcome", results.All(r => r.Pass) ? "pass" : "fail");
        w.WriteStartArray("results");
        foreach (var r in results)
            StatusJson.WriteResult(w, r);
        w.WriteEndArray();
    });

    /// <summary>One transition; (epoch, seq) is unique for ever (README "Sequence numbers for consumers").</summary>
    public static byte[] Event(string epoch, long seq, Transition t) => Write(w =>
    {
        w.WriteString("epoch", epoch);
        w.WriteNumber("seq", seq);
        w.WriteString("what", t.Subject.ToString());
        w.WriteString("from", t.From.ToName());
        w.WriteString("to", t.To.ToName());
        w.WriteString("reason", t.Reason.ToCode());
        w.WriteString("detail", t.Detail);
        w.WriteString("time", t.At.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
    });

    /// <summary>
    /// Home Assistant MQTT discovery of one connectivity binary sensor, read from the status
    /// topic: ON for ok or degraded (devices get through), OFF for failing, unknown otherwise.
    /// <paramref name="subject"/> is a Jinja expression for the status object it shows (with
    /// `status` and `reason`); its attributes are that object's own status, reason and detail.
    /// </summary>
    private static (string Topic, byte[] Payload) Discovery(MqttTopics topics, string nodeId, string site, string node,
        string version, string objectId, string name, string subject) =>
        ($"{topics.DiscoveryPrefix}/binary_sensor/{nodeId}/{objectId}/config", Write(w =>
        {
            string set = "{% set s = (" + subject + ") %}";
            w.WriteString("name", name);
            w.WriteString("unique_id", $"{nodeId}_{objectId}");
            w.WriteString("device_class", "connectivity");
            w.WriteString("state_topic", topics.Status);
            w.WriteString("value_template",
                set + "{% set v = s.status | default('unknown') %}"
                + "{{ 'ON' if v in ['ok', 'degraded'] else ('OFF' if v == 'failing' else 'None') }}");
            w.WriteString("payload_on", "ON");
            w.WriteString("payload_off", "OFF");
            w.WriteString("availability_topic", topics.Availability);
            w.WriteString("payload_available", "online");
            w.WriteString("payload_not_available", "offline");
            w.WriteString("json_attributes_topic", topics.Status);
            w.WriteString("json_attributes_template",
                set + "{{ {'status': s.status | default('unknown'), 'reason': s.reason | default(''), 'detail': s.detail | default(''), "
                + "'stale': value_json.stale, 'version': value_json.version} | tojson }}");
            w.WriteStartObject("device");
            w.WriteStartArray("identifiers");
            w.WriteStringValue(nodeId);
            w.WriteEndArray();
            w.WriteString("name", $"EdgeMonitor {site}/{node}");
            w.WriteString("manufacturer", "EdgeMonitor");
            w.WriteString("model", "EdgeMonitor");
            w.WriteString("sw_version", version);
            w.WriteEndObject();
        }));

    /// <summary>One sensor for the overall status, one per profile and one per group of the configured targets.</summary>
    public static List<(string Topic, byte[] Payload)> DiscoveryAll(MqttTopics topics, string site, string node, string version,
        IReadOnlyList<Target> targets)
    {
        string nodeId = MqttTopics.HaId($"edgemonitor_{site}_{node}");
        var list = new List<(string, byte[])>
        {
            Discovery(topics, nodeId, site, node, version, "overall", "Overall",
                "{'status': value_json.overall, 'reason': value_json.reason, 'detail': ''}"),
        };
        foreach (string profile in targets.Select(t => t.Profile).Distinct())
        {
            list.Add(Discovery(topics, nodeId, site, node, version, MqttTopics.HaId($"profile_{profile}"), $"Profile {profile}",
                $"value_json.profiles | selectattr('name', 'equalto', '{Quote(profile)}') | first | default({{}})"));
        }
        foreach (var (profile, group) in targets.Select(t => (t.Profile, t.Group)).Distinct())
        {
            list.Add(Discovery(topics, nodeId, site, node, version, MqttTopics.HaId($"group_{profile}_{group}"), $"Group {profile}/{group}",
                $"value_json.groups | selectattr('profile', 'equalto', '{Quote(profile)}') | selectattr('id', 'equalto', '{Quote(group)}') | first | default({{}})"));
        }
        return list;
    }

    // Names go inside single-quoted Jinja strings.
    private static string Quote(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);
}

using System.Text;
using System.Text.Json;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Probes;

namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>Topic names of one box. Each level taken from a name is made MQTT-safe (see <see cref="Level"/>).</summary>
internal sealed class MqttTopics(string prefix, string discoveryPrefix)
{
    public string Prefix { get; } = prefix;
    public string DiscoveryPrefix { get; } = discoveryPrefix;
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

    /// <summary>`check --json` members plus site, node, version, time, uptime and the spool's counters.</summary>
    public static byte[] Status(StatusSnapshot s, string site, string node, string version, DateTimeOffset now,
        TimeSpan uptime, long spooled, long dropped) => Write(w =>
    {
        w.WriteString("site", site);
        w.WriteString("node", node);
        w.WriteString("version", version);
        w.WriteString("time", now.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        w.WriteNumber("uptimeSeconds", (long)uptime.TotalSeconds);
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

    public static byte[] Event(long seq, Transition t) => Write(w =>
    {
        w.WriteNumber("seq", seq);
        w.WriteString("what", t.Subject);
        w.WriteString("from", t.From.ToName());
        w.WriteString("to", t.To.ToName());
        w.WriteString("reason", t.Reason);
        w.WriteString("detail", t.Detail);
        w.WriteString("time", t.At.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
    });

    /// <summary>
    /// Home Assistant MQTT discovery of one connectivity binary sensor, read from the status
    /// topic: ON for ok or degraded (devices get through), OFF for failing, unknown otherwise.
    /// </summary>
    public static (string Topic, byte[] Payload) Discovery(MqttTopics topics, string nodeId, string site, string node,
        string version, string objectId, string name, string selector) =>
        ($"{topics.DiscoveryPrefix}/binary_sensor/{nodeId}/{objectId}/config", Write(w =>
        {
            w.WriteString("name", name);
            w.WriteString("unique_id", $"{nodeId}_{objectId}");
            w.WriteString("device_class", "connectivity");
            w.WriteString("state_topic", topics.Status);
            w.WriteString("value_template",
                "{% set s = (" + selector + " | map(attribute='status') | first | default('unknown')) %}"
                + "{{ 'ON' if s in ['ok', 'degraded'] else ('OFF' if s == 'failing' else 'None') }}");
            w.WriteString("payload_on", "ON");
            w.WriteString("payload_off", "OFF");
            w.WriteString("availability_topic", topics.Availability);
            w.WriteString("payload_available", "online");
            w.WriteString("payload_not_available", "offline");
            w.WriteString("json_attributes_topic", topics.Status);
            w.WriteString("json_attributes_template",
                "{{ {'overall': value_json.overall, 'reason': value_json.reason, 'version': value_json.version} | tojson }}");
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

    /// <summary>One sensor per profile and per group of the snapshot.</summary>
    public static List<(string Topic, byte[] Payload)> DiscoveryAll(MqttTopics topics, string site, string node, string version, StatusSnapshot s)
    {
        string nodeId = MqttTopics.HaId($"edgemonitor_{site}_{node}");
        var list = new List<(string, byte[])>();
        foreach (var p in s.Profiles)
        {
            list.Add(Discovery(topics, nodeId, site, node, version, MqttTopics.HaId($"profile_{p.Name}"), $"Profile {p.Name}",
                $"value_json.profiles | selectattr('name', 'equalto', '{Quote(p.Name)}')"));
        }
        foreach (var g in s.Groups)
        {
            list.Add(Discovery(topics, nodeId, site, node, version, MqttTopics.HaId($"group_{g.Profile}_{g.Id}"), $"Group {g.Key}",
                $"value_json.groups | selectattr('profile', 'equalto', '{Quote(g.Profile)}') | selectattr('id', 'equalto', '{Quote(g.Id)}')"));
        }
        return list;
    }

    // Names go inside single-quoted Jinja strings.
    private static string Quote(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal);
}

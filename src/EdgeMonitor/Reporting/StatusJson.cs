using System.Text.Json;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Profiles;

namespace EdgeMonitor.Reporting;

/// <summary>
/// The JSON contract of `check --json` (and of status.json and the MQTT status, which add
/// fields around it). Written by hand with Utf8JsonWriter: exact names, no reflection.
/// </summary>
public static class StatusJson
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static string Serialize(StatusSnapshot s, bool indented = true, Action<Utf8JsonWriter>? extra = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, indented ? Indented : default))
        {
            w.WriteStartObject();
            extra?.Invoke(w);
            WriteBody(w, s);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>The members of the check --json object, for writers that add their own around them.</summary>
    public static void WriteBody(Utf8JsonWriter w, StatusSnapshot s)
    {
        w.WriteString("overall", s.Overall.ToName());
        w.WriteString("reason", s.OverallReason.ToCode());
        w.WriteStartArray("profiles");
        foreach (var p in s.Profiles)
        {
            w.WriteStartObject();
            w.WriteString("name", p.Name);
            w.WriteString("status", p.Status.ToName());
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("groups");
        foreach (var g in s.Groups)
        {
            w.WriteStartObject();
            w.WriteString("id", g.Id);
            w.WriteString("profile", g.Profile);
            w.WriteString("status", g.Status.ToName());
            w.WriteString("reason", g.Reason.ToCode());
            w.WriteString("detail", g.Detail);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("results");
        foreach (var r in s.Results)
            WriteResult(w, r);
        w.WriteEndArray();
    }

    public static void WriteResult(Utf8JsonWriter w, ProbeResult r)
    {
        w.WriteStartObject();
        w.WriteString("target", r.Target.Id);
        w.WriteString("profile", r.Target.Profile);
        w.WriteString("group", r.Target.Group);
        w.WriteString("kind", r.Target.Kind);
        w.WriteString("host", r.Target.Host);
        w.WriteNumber("port", r.Target.Port);
        w.WriteString("family", r.Family.ToName());
        if (r.Address is null)
            w.WriteNull("address");
        else
            w.WriteString("address", r.Address);
        w.WriteString("requirement", r.Target.Requirement.ToName());
        w.WriteString("role", r.Target.Role.ToName());
        w.WriteString("outcome", r.Pass ? "pass" : "fail");
        w.WriteString("reason", r.Reason.ToCode());
        w.WriteString("detail", r.Detail);
        w.WriteNumber("latencyMs", r.LatencyMs);
        w.WriteEndObject();
    }

    /// <summary>`edgemonitor profiles --json`.</summary>
    public static string SerializeProfiles(IReadOnlyList<Profile> profiles)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Indented))
        {
            w.WriteStartObject();
            w.WriteStartArray("profiles");
            foreach (var p in profiles)
            {
                w.WriteStartObject();
                w.WriteString("name", p.Name);
                w.WriteString("description", p.Description);
                w.WriteStartArray("targets");
                foreach (var t in p.Targets)
                {
                    w.WriteStartObject();
                    w.WriteString("id", t.Id);
                    w.WriteString("kind", t.Kind);
                    w.WriteString("host", t.Host);
                    w.WriteNumber("port", t.Port);
                    w.WriteString("transport", ProbeKinds.TransportOf(t.Kind).ToName());
                    w.WriteString("requirement", t.Requirement.ToName());
                    w.WriteString("role", t.Role.ToName());
                    w.WriteString("group", t.Group);
                    w.WriteString("note", t.Note);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}

using System.Text;
using System.Text.Json;
using EdgeMonitor.Model;
using EdgeMonitor.Reporting;
using EdgeMonitor.Reporting.Mqtt;

namespace EdgeMonitor.Tests.Model;

/// <summary>
/// Subjects and reasons stay typed inside the status; the text dashboards key on ("overall",
/// "profile:NAME", "group:PROFILE/ID", reason codes) is made only where it is written out.
/// </summary>
public sealed class StatusChangeTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    private static StatusSnapshot Picture(params GroupStatus[] groups)
    {
        var profiles = groups.GroupBy(g => g.Profile).Select(p => ProfileStatus.Of(p.Key, [.. p])).ToList();
        var (overall, reason) = StatusOrder.WorstOf(groups);
        return new StatusSnapshot(overall, reason, profiles, groups, []);
    }

    [Fact]
    public void Subjects_are_written_as_the_events_name_them()
    {
        Assert.Equal("overall", Subject.Overall.ToString());
        Assert.Equal("profile:cloudtrax-ap", Subject.Profile("cloudtrax-ap").ToString());
        Assert.Equal("group:lab/gw", Subject.Group(new GroupStatus("lab", "gw", Status.Ok, Reason.Ok, "")).ToString());
        Assert.True(Subject.Overall.IsOverall);
        Assert.False(Subject.Profile("overall").IsOverall);
    }

    [Fact]
    public void A_profile_is_its_worst_group_with_that_groups_reason()
    {
        var p = ProfileStatus.Of("lab", [
            new("lab", "a", Status.Degraded, Reason.NtpTimeout, ""),
            new("lab", "b", Status.Failing, Reason.TlsIntercepted, ""),
            new("lab", "c", Status.Failing, Reason.TcpTimeout, ""),
        ]);
        Assert.Equal((Status.Failing, Reason.TlsIntercepted), (p.Status, p.Reason));
        Assert.Equal((Status.Unknown, Reason.Unknown), StatusOrder.WorstOf([]));
    }

    [Fact]
    public void Profile_transitions_carry_the_worst_groups_reason_into_the_event_payload()
    {
        var before = Picture(new("lab", "gw", Status.Ok, Reason.Ok, ""), new("lab", "ntp", Status.Ok, Reason.Ok, ""));
        var after = Picture(new("lab", "gw", Status.Failing, Reason.TcpRefused, "refused"), new("lab", "ntp", Status.Degraded, Reason.NtpTimeout, "slow"));
        var change = StatusChange.Between(before, after, At);

        Transition profile = Assert.Single(change.Transitions, t => t.Subject.Kind == SubjectKind.Profile);
        Assert.Equal((Status.Ok, Status.Failing, Reason.TcpRefused), (profile.From, profile.To, profile.Reason));
        Transition overall = Assert.Single(change.Transitions, t => t.Subject.IsOverall);
        Assert.Equal(Reason.TcpRefused, overall.Reason);

        var events = change.Transitions.Select(t => JsonDocument.Parse(MqttPayloads.Event("e", 1, t)).RootElement).ToList();
        Assert.Equal(["overall", "profile:lab", "group:lab/gw", "group:lab/ntp"], events.Select(e => e.GetProperty("what").GetString()));
        Assert.Equal(["tcp_refused", "tcp_refused", "tcp_refused", "ntp_timeout"], events.Select(e => e.GetProperty("reason").GetString()));
        Assert.Equal("""{"epoch":"e","seq":1,"what":"profile:lab","from":"ok","to":"failing","reason":"tcp_refused","detail":"","time":"1970-01-01T00:00:00.000Z"}""",
            Encoding.UTF8.GetString(MqttPayloads.Event("e", 1, profile)));
    }

    [Fact]
    public void The_status_json_writes_reason_codes_and_keeps_profiles_to_name_and_status()
    {
        var snap = Picture(new("lab", "gw", Status.Failing, Reason.UplinkDown, "down"), new("lab", "ntp", Status.Unknown, Reason.Unknown, "not checked yet"));
        using var doc = JsonDocument.Parse(StatusJson.Serialize(snap, indented: false));
        JsonElement root = doc.RootElement;
        Assert.Equal("uplink_down", root.GetProperty("reason").GetString());
        Assert.Equal(["uplink_down", "unknown"], root.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("reason").GetString()));
        Assert.Equal(["name", "status"], root.GetProperty("profiles")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("unknown", JsonDocument.Parse(StatusJson.Serialize(StatusSnapshot.Empty)).RootElement.GetProperty("reason").GetString());
    }
}

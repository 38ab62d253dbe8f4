using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Monitoring;

/// <summary>The group rules, table-driven: the pure half of the status model.</summary>
public sealed class StatusEvaluatorTests
{
    private static Target T(string id, Role role = Role.Primary, Requirement req = Requirement.Required, string group = "g") =>
        new("p", id, req == Requirement.Blocked ? "blocked" : "tcp", id + ".example", 443, req, role, group, "");

    private static ProbeResult R(Target t, bool pass, Reason reason = Reason.Ok, Family family = Family.IPv4, Requirement? weight = null) =>
        new(t, family, "127.0.0.1:443", pass, pass ? Reason.Ok : reason == Reason.Ok ? Reason.TcpRefused : reason, "", 1, weight ?? t.Requirement, DateTimeOffset.UnixEpoch);

    public static TheoryData<string, bool, bool?, bool?, string, string> Groups => new()
    {
        // name, primary passes, fallback1 passes (null: no fallback), fallback2, expected status, expected reason
        { "primary passes, no fallback", true, null, null, "ok", "ok" },
        { "primary and fallbacks pass", true, true, true, "ok", "ok" },
        { "only a fallback passes", false, true, false, "degraded", "tcp_refused" },
        { "fallback fails while primary passes", true, false, true, "degraded", "tcp_refused" },
        { "all fail", false, false, false, "failing", "tcp_refused" },
        { "primary fails, no fallback", false, null, null, "failing", "tcp_refused" },
    };

    [Theory]
    [MemberData(nameof(Groups))]
    public void Group_logic_with_fallbacks(string name, bool primary, bool? fb1, bool? fb2, string status, string reason)
    {
        var targets = new List<Target> { T("primary") };
        var results = new List<ProbeResult> { R(targets[0], primary) };
        foreach (var (pass, id) in new[] { (fb1, "fb1"), (fb2, "fb2") })
        {
            if (pass is null)
                continue;
            var t = T(id, Role.Fallback);
            targets.Add(t);
            results.Add(R(t, pass.Value));
        }
        var g = StatusEvaluator.EvaluateGroup("p", "g", targets, results);
        Assert.True(status == g.Status.ToName(), $"{name}: {g.Status.ToName()} {g.Detail}");
        Assert.Equal(reason, g.Reason.ToCode());
    }

    [Fact]
    public void Optional_failure_and_reachable_blocked_target_only_degrade()
    {
        var req = T("cloud");
        var opt = T("tunnel", req: Requirement.Optional);
        var s = StatusEvaluator.EvaluateGroup("p", "g", [req, opt], [R(req, true), R(opt, false, Reason.SshNoBanner)]);
        Assert.Equal((Status.Degraded, "ssh_no_banner"), (s.Status, s.Reason.ToCode()));

        var lan = T("corp-lan", req: Requirement.Blocked);
        s = StatusEvaluator.EvaluateGroup("p", "g", [lan], [R(lan, false, Reason.Reachable)]);
        Assert.Equal((Status.Degraded, "reachable"), (s.Status, s.Reason.ToCode()));
    }

    [Fact]
    public void Ipv6_failure_weighed_optional_degrades_but_does_not_fail()
    {
        var t = T("cloud");
        var s = StatusEvaluator.EvaluateGroup("p", "g", [t],
            [R(t, true), R(t, false, Reason.TcpTimeout, Family.IPv6, Requirement.Optional)]);
        Assert.Equal(Status.Degraded, s.Status);
        Assert.Equal("tcp_timeout", s.Reason.ToCode());
    }

    [Fact]
    public void Unknown_until_results_and_overall_is_worst_of_groups()
    {
        var a = T("a", group: "a");
        var b = T("b", group: "b");
        var snap = StatusEvaluator.Evaluate([a, b], []);
        Assert.Equal(Status.Unknown, snap.Overall);

        snap = StatusEvaluator.Evaluate([a, b], [R(a, true)]);
        Assert.Equal(Status.Unknown, snap.Overall);

        snap = StatusEvaluator.Evaluate([a, b], [R(a, true), R(b, false, Reason.DnsNxdomain)]);
        Assert.Equal(Status.Failing, snap.Overall);
        Assert.Equal(Reason.DnsNxdomain, snap.OverallReason);
        Assert.Equal(Status.Failing, Assert.Single(snap.Profiles).Status);
    }

    [Fact]
    public void Every_target_failing_at_network_level_is_blamed_on_the_uplink_once()
    {
        var ts = Enumerable.Range(0, 4).Select(i => T($"t{i}", group: $"g{i}")).ToList();
        var snap = StatusEvaluator.Evaluate(ts, ts.Select(t => R(t, false, Reason.TcpTimeout)).ToList());
        Assert.Equal((Status.Failing, Reason.UplinkDown), (snap.Overall, snap.OverallReason));

        // One target answering (even wrongly) means the uplink works.
        var mixed = ts.Select((t, i) => R(t, false, i == 0 ? Reason.TlsUntrusted : Reason.TcpTimeout)).ToList();
        Assert.NotEqual(Reason.UplinkDown, StatusEvaluator.Evaluate(ts, mixed).OverallReason);
    }

    [Fact]
    public void Status_change_lists_transitions_and_changed_results()
    {
        var a = T("a");
        var before = StatusEvaluator.Evaluate([a], [R(a, true)]);
        var after = StatusEvaluator.Evaluate([a], [R(a, false, Reason.TcpReset)]);
        var change = StatusChange.Between(before, after, DateTimeOffset.UnixEpoch);
        Assert.Contains(change.Transitions, t => t.Subject == Subject.Overall && t.From == Status.Ok && t.To == Status.Failing);
        Assert.Contains(change.Transitions, t => t.Subject.ToString() == "group:p/g" && t.Reason == Reason.TcpReset);
        Assert.Single(change.ChangedResults);
        Assert.Empty(StatusChange.Between(after, after, DateTimeOffset.UnixEpoch).Transitions);
    }
}

using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Monitoring;

/// <summary>Pure logic: hysteresis per target and the interval table.</summary>
public sealed class HysteresisTests
{
    private static readonly Target T = new("p", "t", "tcp", "127.0.0.1", 1, Requirement.Required, Role.Primary, "g", "n");

    private static ProbeResult R(Family f, bool pass, Reason reason = Reason.Ok) =>
        new(T, f, null, pass, pass ? Reason.Ok : reason == Reason.Ok ? Reason.TcpRefused : reason, "", 1, Requirement.Required, DateTimeOffset.UnixEpoch);

    [Fact]
    public void First_batch_stands_at_once_then_a_failure_needs_confirming()
    {
        var h = new Hysteresis(failuresToFail: 3, successesToRecover: 2);
        Assert.Equal(Hysteresis.Verdict.Accepted, h.Observe("k", [R(Family.IPv4, true)]));
        Assert.Equal(Hysteresis.Verdict.PendingFailure, h.Observe("k", [R(Family.IPv4, false)]));
        Assert.Equal(Hysteresis.Verdict.PendingFailure, h.Observe("k", [R(Family.IPv4, false)]));
        Assert.True(h.Accepted("k")![0].Pass);
        Assert.Equal(Hysteresis.Verdict.Accepted, h.Observe("k", [R(Family.IPv4, false)]));
        Assert.False(h.Accepted("k")![0].Pass);

        Assert.Equal(Hysteresis.Verdict.PendingRecovery, h.Observe("k", [R(Family.IPv4, true)]));
        Assert.False(h.Accepted("k")![0].Pass);
        Assert.Equal(Hysteresis.Verdict.Accepted, h.Observe("k", [R(Family.IPv4, true)]));
        Assert.True(h.Accepted("k")![0].Pass);
    }

    [Fact]
    public void A_single_blip_is_forgotten_and_restarts_the_count()
    {
        var h = new Hysteresis(2, 2);
        h.Observe("k", [R(Family.IPv4, true)]);
        Assert.Equal(Hysteresis.Verdict.PendingFailure, h.Observe("k", [R(Family.IPv4, false)]));
        Assert.Equal(Hysteresis.Verdict.Accepted, h.Observe("k", [R(Family.IPv4, true)]));
        Assert.Equal(Hysteresis.Verdict.PendingFailure, h.Observe("k", [R(Family.IPv4, false)]));
        Assert.True(h.Accepted("k")![0].Pass);
    }

    [Fact]
    public void Same_shape_with_a_new_reason_is_taken_at_once()
    {
        var h = new Hysteresis(5, 5);
        h.Observe("k", [R(Family.IPv4, false, Reason.TcpRefused)]);
        Assert.Equal(Hysteresis.Verdict.Accepted, h.Observe("k", [R(Family.IPv4, false, Reason.TcpTimeout)]));
        Assert.Equal(Reason.TcpTimeout, h.Accepted("k")![0].Reason);
    }

    [Fact]
    public void Families_count_separately_and_one_threshold_applies()
    {
        var h = new Hysteresis(1, 3);
        h.Observe("k", [R(Family.IPv4, true), R(Family.IPv6, true)]);
        Assert.Equal(Hysteresis.Verdict.Accepted, h.Observe("k", [R(Family.IPv4, true), R(Family.IPv6, false)]));
        Assert.Equal(Hysteresis.Verdict.PendingRecovery, h.Observe("k", [R(Family.IPv4, true), R(Family.IPv6, true)]));
    }

    [Fact]
    public void Intervals_per_kind_with_documented_defaults_and_bounded_jitter()
    {
        var config = new MonitorConfig { IntervalSeconds = 30, Jitter = 0.1, Intervals = new() { ["tcp"] = 10 } };
        var s = new Schedule(config, new Random(1));
        Assert.Equal(TimeSpan.FromSeconds(10), s.IntervalFor("tcp"));
        Assert.Equal(TimeSpan.FromSeconds(300), s.IntervalFor("ntp"));
        Assert.Equal(TimeSpan.FromSeconds(30), s.IntervalFor("http"));
        var waits = Enumerable.Range(0, 200).Select(_ => s.NextWait("http").TotalSeconds).ToList();
        Assert.All(waits, w => Assert.InRange(w, 27, 33));
        Assert.True(waits.Distinct().Count() > 100, "jitter spreads the waits");
        Assert.All(Enumerable.Range(0, 50), _ => Assert.InRange(s.FirstDelay("idle").TotalSeconds, 0, 3));
    }
}

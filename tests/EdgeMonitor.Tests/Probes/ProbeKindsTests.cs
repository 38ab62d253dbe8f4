using System.Text.RegularExpressions;
using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Aot;

namespace EdgeMonitor.Tests.Probes;

/// <summary>Every registered kind declares all a kind must, and the rest of the program learns about kinds only from that.</summary>
public sealed class ProbeKindsTests
{
    private static readonly Target Sample = new("p", "t", "tcp", "127.0.0.1", 1, Requirement.Required, Role.Primary, "g", "n");

    public static TheoryData<string> Kinds() => new(ProbeKinds.All.Select(p => p.Kind));

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Each_kind_declares_what_a_kind_must(string kind)
    {
        IProbe probe = Assert.Single(ProbeKinds.All, p => p.Kind == kind);
        Assert.Matches("^[a-z][a-z0-9]*$", probe.Kind);
        Assert.Same(probe, ProbeKinds.Find(kind));
        Assert.True(Enum.IsDefined(probe.Transport), $"{kind}: transport");

        // Its reasons: its own failures, and the timeout and error reasons among them (or a pass).
        Assert.NotEmpty(probe.Reasons);
        Assert.DoesNotContain(Reason.Ok, probe.Reasons);
        var reported = probe.Reasons.Concat(Connector.Reasons).Concat(ProbeRunner.NameReasons).Append(Reason.Ok).ToHashSet();
        Assert.True(reported.Contains(probe.TimeoutReason), $"{kind}: timeout reason {probe.TimeoutReason} is not one of its reasons");
        Assert.True(reported.Contains(probe.ErrorReason), $"{kind}: error reason {probe.ErrorReason} is not one of its reasons");

        // An interval of its own is a real one; a lane of its own has a real budget.
        Assert.True(probe.DefaultInterval is null || probe.DefaultInterval > TimeSpan.Zero, $"{kind}: default interval");
        Assert.True(probe.OwnLaneTime(Sample) is null || probe.OwnLaneTime(Sample) > TimeSpan.Zero, $"{kind}: own lane time");

        // Its options are target fields a config can set.
        var configFields = typeof(TargetConfig).GetProperties().Select(p => char.ToLowerInvariant(p.Name[0]) + p.Name[1..]).ToHashSet();
        foreach (string option in probe.Options)
            Assert.True(configFields.Contains(option), $"{kind}: option '{option}' is no field of a target in the config");
    }

    [Fact]
    public void Kinds_are_registered_once_and_every_reason_has_an_owner()
    {
        Assert.Equal(ProbeKinds.All.Count, ProbeKinds.All.Select(p => p.Kind).Distinct().Count());
        var owned = ProbeKinds.All.SelectMany(p => p.Reasons).Concat(Connector.Reasons).Concat(ProbeRunner.NameReasons)
            .Append(Reason.Ok).Append(Reason.UplinkDown).Append(Reason.Unknown).ToHashSet();
        foreach (Reason r in Enum.GetValues<Reason>())
            Assert.True(owned.Contains(r), $"reason {r} is reported by no kind");
    }

    [Fact]
    public void Every_option_a_target_carries_for_a_kind_is_claimed_by_one()
    {
        var claimed = ProbeKinds.All.SelectMany(p => p.Options).ToHashSet();
        foreach (string option in new[] { "alpn", "path", "idleSeconds" })
            Assert.Contains(option, claimed);
    }

    [Fact]
    public void A_kind_with_its_own_lane_gets_one_in_the_plan_and_the_others_share_one()
    {
        IProbe laned = ProbeKinds.All.First(p => p.OwnLaneTime(Sample) is not null);
        var targets = ProbeKinds.All.Select(p => Sample with { Id = p.Kind, Kind = p.Kind }).ToList();
        var env = new ProbeEnvironment { Resolver = new SystemResolver(), Timeout = TimeSpan.FromSeconds(2) };
        var plan = new ProbePlan(targets, env);

        var own = Assert.Single(plan.Lanes, l => l.Target.Kind == laned.Kind);
        Assert.Equal(env.Timeout + laned.OwnLaneTime(own.Target), own.Runner.Environment.Timeout);
        Assert.Single(plan.Lanes.Where(l => l.OwnTime is null).Select(l => l.Runner).Distinct());
    }

    [Fact]
    public void Kind_defaults_set_the_interval_and_config_overrides_them()
    {
        var monitor = new MonitorConfig { IntervalSeconds = 60 };
        foreach (IProbe p in ProbeKinds.All)
        {
            TimeSpan expected = p.DefaultInterval is { } d && d.TotalSeconds > 60 ? d : TimeSpan.FromSeconds(60);
            Assert.Equal(expected, new Schedule(monitor).IntervalFor(p.Kind));
        }
        monitor.Intervals[ProbeKinds.All[0].Kind] = 7;
        Assert.Equal(TimeSpan.FromSeconds(7), new Schedule(monitor).IntervalFor(ProbeKinds.All[0].Kind));
    }

    /// <summary>Outside its own file and the registration table, code asks a kind what it is; it does not compare names.</summary>
    [Fact]
    public void No_code_compares_a_kind_name_literal()
    {
        var literal = new Regex("""Kind\s*(==|!=|=)\s*"|\["(""" + string.Join('|', ProbeKinds.All.Select(p => p.Kind)) + """)"\]\s*=""");
        var offenders = Directory.EnumerateFiles(SourceRoot(), "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (f, i, line)))
            .Where(x => literal.IsMatch(x.line))
            .Select(x => $"{Path.GetFileName(x.f)}:{x.i + 1}: {x.line.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, string.Join('\n', offenders));
    }

    private static string SourceRoot() => Path.Combine(AotBinary.RepoRoot(), "src", "EdgeMonitor");
}

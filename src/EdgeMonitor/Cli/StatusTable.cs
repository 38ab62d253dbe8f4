using System.Text;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Probes;

namespace EdgeMonitor.Cli;

/// <summary>The human table of `check`: one row per result, then group verdicts and a summary.</summary>
public static class StatusTable
{
    public static string Render(StatusSnapshot s, TimeSpan wall)
    {
        var sb = new StringBuilder();
        sb.AppendLine($"{"PROFILE",-21} {"GROUP",-11} {"TARGET",-34} {"FAMILY",-6} {"RESULT",-6} {"REASON",-18} {"MS",7}  DETAIL");
        foreach (var r in s.Results)
        {
            sb.Append($"{r.Target.Profile,-21} {r.Target.Group,-11} {Cut(r.Target.Id, 34),-34} {r.Family.ToName(),-6} ");
            sb.Append($"{(r.Pass ? "pass" : "FAIL"),-6} {r.Reason.ToCode(),-18} {r.LatencyMs,7:0.0}  {r.Detail}");
            sb.AppendLine();
        }
        sb.AppendLine();
        foreach (var g in s.Groups.Where(g => g.Status != Status.Ok))
            sb.AppendLine($"{g.Status.ToName().ToUpperInvariant(),-8} {g.Key}: {g.Detail}");
        int pass = s.Results.Count(r => r.Pass);
        sb.AppendLine($"overall: {s.Overall.ToName()} ({s.OverallReason}); {pass}/{s.Results.Count} results pass; "
            + $"{s.Groups.Count(g => g.Status == Status.Ok)}/{s.Groups.Count} groups ok; {wall.TotalMilliseconds:0} ms");
        return sb.ToString();
    }

    private static string Cut(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "~";
}

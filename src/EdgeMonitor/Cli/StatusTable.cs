using System.Text;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Cli;

/// <summary>The human table of `check`: which config, one row per result, then group verdicts and a summary.</summary>
public static class StatusTable
{
    /// <param name="config">The configuration file, or null for the embedded default.</param>
    /// <param name="width">Cut rows to this many columns (the terminal's); null: full rows (not a terminal).</param>
    /// <param name="wide">--wide: full rows, and every row even when the uplink is down.</param>
    /// <param name="ntp">Which NTP server stands for the site DHCP's, and from where (null: no profile follows it).</param>
    public static string Render(StatusSnapshot s, TimeSpan wall, string? config = null, int? width = null, bool wide = false, string? ntp = null)
    {
        var sb = new StringBuilder();
        sb.AppendLine(ConfigOption.Banner(config));
        bool uplinkDown = s.OverallReason == Reason.UplinkDown;
        if (uplinkDown)
        {
            // One cause, said once: the rows would all repeat the same "no route" or "no resolver".
            sb.AppendLine($"UPLINK DOWN: nothing got out of this box ({Summary(s.Results)}): check its own route and resolver first");
            if (!wide)
                sb.AppendLine("(the per-target rows all say the same; --wide lists them)");
        }
        if (ntp is not null)
            sb.AppendLine(ntp);
        if (wide)
            width = null;
        if (!uplinkDown || wide)
        {
            sb.AppendLine(Fit($"{"PROFILE",-21} {"GROUP",-11} {"TARGET",-34} {"FAMILY",-6} {"RESULT",-6} {"REASON",-18} {"MS",7}  DETAIL", width));
            foreach (var r in s.Results)
            {
                sb.AppendLine(Fit($"{r.Target.Profile,-21} {r.Target.Group,-11} {Cut(r.Target.Id, 34),-34} {r.Family.ToName(),-6} "
                    + $"{(r.Pass ? "pass" : "FAIL"),-6} {r.Reason.ToCode(),-18} {r.LatencyMs,7:0.0}  {r.Detail}", width));
            }
            sb.AppendLine();
            foreach (var g in s.Groups.Where(g => g.Status != Status.Ok))
                sb.AppendLine(Fit($"{g.Status.ToName().ToUpperInvariant(),-8} {g.Key}: {g.Detail}", width));
        }
        int pass = s.Results.Count(r => r.Pass);
        sb.AppendLine($"overall: {s.Overall.ToName()} ({s.OverallReason.ToCode()}); {pass}/{s.Results.Count} results pass; "
            + $"{s.Groups.Count(g => g.Status == Status.Ok)}/{s.Groups.Count} groups ok; {wall.TotalMilliseconds:0} ms");
        return sb.ToString();
    }

    /// <summary>"80 dns_unreachable, 6 tcp_unreachable; e.g. ...": how the probes failed, once.</summary>
    private static string Summary(IReadOnlyList<ProbeResult> results)
    {
        var byReason = results.Where(r => !r.Pass).GroupBy(r => r.Reason).OrderByDescending(g => g.Count()).ToList();
        string counts = string.Join(", ", byReason.Select(g => $"{g.Count()} {g.Key.ToCode()}"));
        return byReason.Count == 0 ? "no results" : $"{counts}; e.g. {byReason[0].First().Detail}";
    }

    /// <summary>A row cut to the width with an ellipsis, so it stays one line on the terminal.</summary>
    private static string Fit(string row, int? width) =>
        width is int w && w > 1 && row.Length > w ? row[..(w - 1)] + "…" : row;

    private static string Cut(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "~";
}

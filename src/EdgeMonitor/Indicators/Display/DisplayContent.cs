using EdgeMonitor.Configuration;
using EdgeMonitor.Model;

namespace EdgeMonitor.Indicators.Display;

/// <summary>One line of a screen. <paramref name="Right"/> is small text flush right on the same line (the "1/3" counter).</summary>
public sealed record DisplayLine(string Text, bool Big = false, bool Inverse = false, string Right = "");

/// <summary>How much text a panel holds: character columns and rows of the small font; whether the headline may be big.</summary>
/// <param name="FixedIdentity">Room for site and address on every screen (else they get a screen of their own in the cycle).</param>
public sealed record PanelGeometry(int Cols, int Rows, bool BigHeadline, bool FixedIdentity)
{
    public static PanelGeometry For(DisplayKind kind) => kind switch
    {
        DisplayKind.Ssd1306_128x64 => new(21, 8, true, true),
        DisplayKind.Ssd1306_128x32 => new(21, 4, true, false),
        DisplayKind.Hd44780_20x4 => new(20, 4, false, false),
        _ => new(16, 2, false, false),
    };
}

/// <summary>Everything the display shows, as of one moment.</summary>
/// <param name="Snapshot">The monitor's last picture; stale or empty means no fresh verdict yet.</param>
/// <param name="Stalled">No progress from the monitor: whatever the snapshot says is not true any more.</param>
public sealed record DisplayInput(string Site, string Node, string Address, StatusSnapshot Snapshot, bool Stalled, bool Identify,
    IReadOnlyCollection<DisplayItem> Show);

/// <summary>
/// Status to screens, as a pure function: the host shows them in turn, <see cref="DisplayConfig.CycleSeconds"/> each.
/// Every screen carries the state in words; when not ok, one screen (or more) per failing group
/// names it and its reason; site and address sit on every screen where there is room, else on one
/// screen of their own.
/// </summary>
public static class DisplayContent
{
    public static IReadOnlyList<IReadOnlyList<DisplayLine>> Screens(DisplayInput input, PanelGeometry panel)
    {
        bool site = input.Show.Contains(DisplayItem.Site), address = input.Show.Contains(DisplayItem.Address);
        string title = $"{input.Site} / {input.Node}";
        string ip = input.Address;
        var identity = new List<string>();
        if (site)
            identity.Add(title);
        if (address)
            identity.Add(ip);

        (string headline, bool alarm, List<List<string>> sections) = What(input, identity);
        int counted = sections.Count;
        if (!panel.FixedIdentity && identity.Count > 0 && !input.Identify)
            sections.Add(identity);

        int fixedRows = panel.FixedIdentity ? (site ? 1 : 0) + (address ? 1 : 0) : 0;
        int detailRows = Math.Max(1, panel.Rows - (panel.BigHeadline ? 2 : 1) - fixedRows);
        var screens = new List<IReadOnlyList<DisplayLine>>();
        for (int s = 0; s < sections.Count; s++)
        {
            List<string> lines = [.. sections[s].SelectMany(l => Wrap(l, panel.Cols))];
            string counter = counted > 1 && s < counted ? $"{s + 1}/{counted}" : "";
            for (int at = 0; at < lines.Count; at += detailRows)
            {
                var screen = new List<DisplayLine>();
                if (panel.FixedIdentity && site)
                    screen.Add(new DisplayLine(Fit(title, panel.Cols)));
                screen.Add(new DisplayLine(headline, panel.BigHeadline, alarm, counter));
                for (int i = 0; i < detailRows; i++)
                    screen.Add(new DisplayLine(at + i < lines.Count ? lines[at + i] : ""));
                if (panel.FixedIdentity && address)
                    screen.Add(new DisplayLine(Fit(ip, panel.Cols)));
                screens.Add(screen);
            }
        }
        return screens;
    }

    private static (string Headline, bool Alarm, List<List<string>> Sections) What(DisplayInput input, List<string> identity)
    {
        StatusSnapshot snap = input.Snapshot;
        if (input.Identify)
            return ("IDENTIFY", true, [identity.Count > 0 ? [.. identity] : [input.Node]]);
        if (input.Stalled)
            return ("STALLED", true, [["monitor stalled,", "status unknown"]]);
        if (snap.Stale || (snap.Groups.Count == 0 && snap.Overall == Status.Unknown))
            return ("STARTING", false, [["first check running"]]);
        string headline = snap.Overall.ToName().ToUpperInvariant();
        if (snap.Overall == Status.Ok)
            return (headline, false, [["all checks pass"]]);
        var sections = new List<List<string>>();
        if (input.Show.Contains(DisplayItem.Reasons))
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (GroupStatus g in snap.Groups.Where(g => g.Status != Status.Ok).OrderByDescending(g => g.Status.Severity()))
            {
                string label = GroupLabel(g.Profile, g.Id), why = g.Reason.ToLabel();
                // Three CloudTrax profiles share the same cloud: one screen for one fact.
                if (seen.Add($"{label}\n{why}"))
                    sections.Add([$"{label}:", why]);
            }
        }
        if (sections.Count == 0)
            sections.Add([snap.OverallReason.ToLabel()]);
        return (headline, snap.Overall == Status.Failing, sections);
    }

    /// <summary>The installer's test pattern: an inverted banner, then every character the panel draws.</summary>
    public static IReadOnlyList<DisplayLine> TestPattern(PanelGeometry panel)
    {
        var lines = new List<DisplayLine> { new("TEST", panel.BigHeadline, Inverse: true, Right: $"{panel.Cols}x{panel.Rows}") };
        string all = new([.. Enumerable.Range(Font5x7.First, Font5x7.Last - Font5x7.First + 1).Select(c => (char)c)]);
        int rows = panel.Rows - (panel.BigHeadline ? 2 : 1);
        for (int r = 0; r < rows; r++)
        {
            int at = r * panel.Cols % all.Length;
            lines.Add(new DisplayLine((all + all)[at..(at + panel.Cols)]));
        }
        return lines;
    }

    /// <summary>"DT manager", "CloudTrax cloud": the vendor and what the group is for, as staff would say it.</summary>
    public static string GroupLabel(string profile, string id)
    {
        string vendor = profile.StartsWith("cloudtrax", StringComparison.Ordinal) ? "CloudTrax"
            : profile.StartsWith("dt-", StringComparison.Ordinal) ? "DT"
            : profile;
        string what = id switch
        {
            "connkeeper" => "keeper",
            "ntp" => "time",
            "est" => "enrolment",
            _ => id,
        };
        return $"{vendor} {what}";
    }

    /// <summary>Word-wrapped to <paramref name="cols"/>; a word longer than a line is cut into pieces.</summary>
    public static IEnumerable<string> Wrap(string text, int cols)
    {
        var line = new System.Text.StringBuilder();
        foreach (string word in Font5x7.Printable(text).Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            string w = word;
            while (w.Length > cols)
            {
                if (line.Length > 0)
                {
                    yield return line.ToString();
                    line.Clear();
                }
                yield return w[..cols];
                w = w[cols..];
            }
            if (line.Length > 0 && line.Length + 1 + w.Length > cols)
            {
                yield return line.ToString();
                line.Clear();
            }
            if (line.Length > 0)
                line.Append(' ');
            line.Append(w);
        }
        if (line.Length > 0)
            yield return line.ToString();
    }

    private static string Fit(string s, int cols) => s.Length <= cols ? s : s[..cols];
}

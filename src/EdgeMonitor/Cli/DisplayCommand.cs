using System.Runtime.InteropServices;
using EdgeMonitor.Configuration;
using EdgeMonitor.Hosting;
using EdgeMonitor.Indicators.Display;
using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;
using EdgeMonitor.Net;
using Serilog;
using Serilog.Events;

namespace EdgeMonitor.Cli;

/// <summary>`edgemonitor display test`: the installer's check that the panel is wired and readable.</summary>
public static class DisplayCommand
{
    public static Verb Verb { get; } = new("display", "draw a test pattern and the current status on the display",
        """
        usage: edgemonitor display [--config PATH] [--state-dir DIR] test [--seconds N]

        Opens the panel of the `display` section (display.kind must not be off), draws a test
        pattern (an inverted banner and every character) for 3 s, then the current status from
        DIR/status.json (as the running daemon last wrote it) screen by screen, each for
        display.cycleSeconds, for N seconds (default: one round of every screen); then blanks it.
        The screens are printed too, so the text can be checked over SSH.
          --config PATH     configuration file (default: as `run`)
          --state-dir DIR   where status.json lives (default: $STATE_DIRECTORY, else /var/lib/edgemonitor)

        Stop the daemon first: two programs drawing on one panel garble it.

        exit: 0 done, 64 usage error, 70 the panel could not be opened or did not answer, 78 config error

        """, RunAsync);

    private static readonly TimeSpan PatternFor = TimeSpan.FromSeconds(3);

    private static async Task<int> RunAsync(Args args)
    {
        string? configPath = ConfigOption.Read(args);
        string stateDir = StateFile.DirectoryFor(args.Option("--state-dir"));
        int? seconds = args.IntOption("--seconds", 0, 86400);
        bool test = args.Flag("test");
        args.EnsureEmpty();
        if (!test)
            throw new UsageException("give test");

        EdgeMonitorConfig config = ConfigOption.Load(configPath);
        if (!config.Display.Enabled)
            throw new ConfigException(configPath ?? ConfigLoader.EmbeddedName, "$.display.kind", "is off: no display to test");

        using var log = new LoggerConfiguration()
            .MinimumLevel.Information()
            .WriteTo.Console(outputTemplate: "{Level:u3} {Message:lj}{NewLine}{Exception}", standardErrorFromLevel: LogEventLevel.Verbose)
            .CreateLogger();

        StatusSnapshot snapshot = StateFile.Load(Path.Combine(stateDir, StateFile.FileName), out string? error) ?? StatusSnapshot.Empty;
        if (error is not null)
            log.Warning("{Dir}/{File} unreadable: {Error}", stateDir, StateFile.FileName, error);
        // The daemon's last word is the current status here, not a left-over from an earlier run.
        snapshot = snapshot with { Stale = false };

        IDisplayPanel panel;
        try
        {
            panel = DisplayPanels.Open(config.Display);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            log.Error("display: {Kind} on i2c-{Bus} 0x{Address:x2}: {Error}", ConfigShape.Name(config.Display.Kind), config.Display.Bus, config.Display.AddressOrDefault, e.Message);
            return ExitCodes.Software;
        }

        using var cts = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; cts.Cancel(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; cts.Cancel(); });
        using (panel)
        {
            try
            {
                log.Information("display: {Panel}", panel.Describe);
                IReadOnlyList<DisplayLine> pattern = DisplayContent.TestPattern(panel.Geometry);
                Print("test pattern", pattern, panel.Geometry);
                panel.Show(pattern, highlight: false);
                await Task.Delay(PatternFor, cts.Token).ConfigureAwait(false);

                var input = new DisplayInput(config.Site, config.NodeName, HostAddress.Describe(config.Display.Interface), snapshot,
                    Stalled: false, Identify: false, config.Display.Show);
                var screens = DisplayContent.Screens(input, panel.Geometry);
                TimeSpan each = TimeSpan.FromSeconds(config.Display.CycleSeconds);
                TimeSpan total = seconds is { } s ? TimeSpan.FromSeconds(s) : each * screens.Count;
                for (int i = 0; i == 0 || each * i < total; i++)
                {
                    var screen = screens[i % screens.Count];
                    if (i < screens.Count)
                        Print($"status {i + 1}/{screens.Count}", screen, panel.Geometry);
                    panel.Show(screen, highlight: false);
                    TimeSpan left = total - each * i;
                    await Task.Delay(left < each ? left : each, cts.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
            }
            catch (IOException e)
            {
                log.Error("display: {Panel} did not answer: {Error}", panel.Describe, e.Message);
                return ExitCodes.Software;
            }
            try
            {
                panel.Blank();
            }
            catch (IOException e)
            {
                log.Warning("display: blanking failed: {Error}", e.Message);
            }
        }
        return ExitCodes.Ok;
    }

    private static void Print(string what, IReadOnlyList<DisplayLine> screen, PanelGeometry g)
    {
        Console.Out.WriteLine($"{what}:");
        foreach (DisplayLine line in screen)
            Console.Out.WriteLine($"  |{CharacterLcdPanel.Row(line, g.Cols)}|");
    }
}

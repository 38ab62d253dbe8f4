using EdgeMonitor.Configuration;
using Serilog;
using Serilog.Events;

namespace EdgeMonitor.Hosting;

/// <summary>
/// Serilog, configured in code: the console (journald takes it under systemd, so no timestamp
/// there) and, when a directory is known, rolling files capped in size and count for SD cards.
/// A file that cannot be written (disk full, read-only) costs log lines, never the process:
/// Serilog catches sink failures, and a directory that cannot be opened leaves the console only.
/// </summary>
public static class Logging
{
    public const string FileName = "edgemonitor.log";

    public static ILogger Create(LoggingConfig config, out string? fileSinkPath, out string? fileSinkError)
    {
        fileSinkPath = null;
        fileSinkError = null;
        LogEventLevel level = Enum.TryParse(config.Level, ignoreCase: true, out LogEventLevel l) ? l : LogEventLevel.Information;
        bool journal = Environment.GetEnvironmentVariable("JOURNAL_STREAM") is not null;
        var lc = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .Enrich.With(new ControlCharacterEscaper())
            .WriteTo.Console(
                outputTemplate: journal
                    ? "{Level:u3} {Message:lj}{NewLine}{Exception}"
                    : "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} {Level:u3} {Message:lj}{NewLine}{Exception}",
                formatProvider: System.Globalization.CultureInfo.InvariantCulture);

        string? dir = DirectoryFor(config);
        if (dir is not null)
        {
            try
            {
                Directory.CreateDirectory(dir);
                string path = Path.Combine(dir, FileName);
                lc = lc.WriteTo.File(path,
                    outputTemplate: "{Timestamp:yyyy-MM-ddTHH:mm:ss.fffzzz} {Level:u3} {Message:lj}{NewLine}{Exception}",
                    formatProvider: System.Globalization.CultureInfo.InvariantCulture,
                    fileSizeLimitBytes: config.FileSizeLimitBytes,
                    rollOnFileSizeLimit: true,
                    retainedFileCountLimit: config.RetainedFileCount);
                fileSinkPath = path;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                fileSinkError = $"{dir}: {e.Message}";
            }
        }
        return lc.CreateLogger();
    }

    /// <summary>logging.directory, else $LOGS_DIRECTORY (systemd LogsDirectory=), else none (console only).</summary>
    public static string? DirectoryFor(LoggingConfig config)
    {
        if (!string.IsNullOrWhiteSpace(config.Directory))
            return config.Directory;
        string? env = Environment.GetEnvironmentVariable("LOGS_DIRECTORY");
        return string.IsNullOrEmpty(env) ? null : env.Split(':')[0];
    }
}

using EdgeMonitor.Configuration;
using EdgeMonitor.Hosting;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Hosting;

/// <summary>Serilog's rolling file as configured for SD cards: size and count caps hold, the newest file has the newest line.</summary>
public sealed class LoggingTests
{
    [Fact]
    public void Files_roll_at_the_size_cap_and_only_the_newest_count_are_kept()
    {
        string dir = TempDir.Create("logs");
        var config = new LoggingConfig { Directory = dir, FileSizeLimitBytes = 2000, RetainedFileCount = 3 };
        var log = Logging.Create(config, out string? path, out string? error);
        Assert.Null(error);
        Assert.Equal(Path.Combine(dir, Logging.FileName), path);
        for (int i = 0; i < 500; i++)
            log.Information("probe {Target} answered in {Ms} ms, line {Line}", "cloudtrax-ap/cloud", 12, i);
        ((IDisposable)log).Dispose();

        var files = new DirectoryInfo(dir).GetFiles("edgemonitor*.log");
        Assert.Equal(3, files.Length); // 500 lines are far more than three files hold
        // A file stops taking lines once it has reached the cap: at most one line past it.
        Assert.All(files, f => Assert.True(f.Length <= 2000 + 120, $"{f.Name} is {f.Length} bytes"));
        string newest = File.ReadAllText(files.OrderBy(f => f.Name, StringComparer.Ordinal).Last().FullName);
        Assert.Contains("line 499", newest);
        Assert.Contains("INF probe cloudtrax-ap/cloud answered in 12 ms", newest);
    }

    [Fact]
    public void A_directory_that_cannot_be_made_leaves_the_console_only()
    {
        var config = new LoggingConfig { Directory = "/dev/null/logs" };
        var log = Logging.Create(config, out string? path, out string? error);
        Assert.Null(path);
        Assert.Contains("/dev/null/logs", error);
        log.Information("still logs");
        ((IDisposable)log).Dispose();
    }
}

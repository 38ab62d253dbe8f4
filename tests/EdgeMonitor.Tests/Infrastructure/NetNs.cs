using System.Diagnostics;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Infrastructure;

/// <summary>
/// A network namespace the test creates (and deletes on dispose): traffic in it stays on
/// this machine. Needs root; tests that need one call <see cref="Available"/> first.
/// </summary>
public sealed class NetNs : IDisposable
{
    public string Name { get; }

    public NetNs(string prefix = "emt")
    {
        Name = $"{prefix}{Environment.ProcessId % 10000}x{Guid.NewGuid().ToString("N")[..6]}";
        Sh.Run("ip", "netns", "add", Name);
        Exec("ip", "link", "set", "lo", "up");
    }



    /// <summary>Runs a command inside the namespace and returns its output; throws on failure.</summary>
    public string Exec(params string[] args) => Sh.Run("ip", ["netns", "exec", Name, .. args]);

    /// <summary>Loads an nftables ruleset inside the namespace.</summary>
    public void Nft(string ruleset)
    {
        string file = Path.Combine(Path.GetTempPath(), $"{Name}-{Guid.NewGuid():N}.nft");
        File.WriteAllText(file, ruleset);
        try
        {
            Exec("nft", "-f", file);
        }
        finally
        {
            File.Delete(file);
        }
    }

    /// <summary>Arguments to start a process inside the namespace (prefix for ServerProcess.Start).</summary>
    public string[] Wrap(params string[] command) => ["netns", "exec", Name, .. command];

    public void Dispose()
    {
        // Kill anything still running in the namespace, then delete it.
        try
        {
            string pids = Sh.Run("ip", "netns", "pids", Name).Trim();
            foreach (string pid in pids.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                _ = Posix.Kill(int.Parse(pid), Posix.SIGKILL);
        }
        catch (InvalidOperationException)
        {
        }
        try
        {
            Sh.Run("ip", "netns", "del", Name);
        }
        catch (InvalidOperationException)
        {
        }
    }
}

public static class Sh
{
    /// <summary>
    /// Runs a command to completion within a bound and returns exit code, stdout and stderr
    /// (killed and reported on overrun). <paramref name="env"/>: a null value removes the variable.
    /// </summary>
    public static (int Exit, string Stdout, string Stderr) Capture(string file, IEnumerable<string> args, TimeSpan within,
        IEnumerable<KeyValuePair<string, string?>>? env = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? [])
        {
            if (v is null)
                psi.Environment.Remove(k);
            else
                psi.Environment[k] = v;
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var err = p.StandardError.ReadToEndAsync();
        var outp = p.StandardOutput.ReadToEndAsync();
        if (!p.WaitForExit((int)within.TotalMilliseconds))
        {
            p.Kill(true);
            throw new TimeoutException($"{file} {string.Join(' ', psi.ArgumentList)} did not finish:\n{outp.Result}\n{err.Result}");
        }
        p.WaitForExit();
        return (p.ExitCode, outp.Result, err.Result);
    }

    /// <summary>Runs a command to completion; throws with its output when it fails.</summary>
    public static string Run(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(60_000))
        {
            p.Kill(true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)}: timed out");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {p.ExitCode}: {stderr.Result}{stdout}");
        return stdout;
    }
}

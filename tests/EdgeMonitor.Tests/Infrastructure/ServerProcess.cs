using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Infrastructure;

/// <summary>
/// A real server process (mosquitto, chronyd, nginx, dnsmasq, openssl s_server...) started by a
/// test and killed on dispose. Output is kept for failure messages.
/// </summary>
public sealed class ServerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public string Name { get; }

    private ServerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    public static ServerProcess Start(string file, IEnumerable<string> args, string? workingDirectory = null,
        IDictionary<string, string>? env = null, bool redirectInput = false)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = redirectInput,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string a in args)
            psi.ArgumentList.Add(a);
        if (env is not null)
        {
            foreach (var (k, v) in env)
                psi.Environment[k] = v;
        }
        var p = new Process { StartInfo = psi };
        var server = new ServerProcess(Path.GetFileName(file), p);
        p.OutputDataReceived += (_, e) => server.Append(e.Data);
        p.ErrorDataReceived += (_, e) => server.Append(e.Data);
        if (!p.Start())
            throw new InvalidOperationException($"cannot start {file}");
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return server;
    }

    public Process Process => _process;

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    /// <summary>Waits until a TCP port accepts, or fails with the server's output.</summary>
    public void WaitForTcp(IPEndPoint endpoint, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) before listening on {endpoint}:\n{Output}");
            try
            {
                using var s = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                s.Connect(endpoint);
                return;
            }
            catch (SocketException)
            {
                Thread.Sleep(50);
            }
        }
        throw new TimeoutException($"{Name} did not listen on {endpoint}:\n{Output}");
    }

    /// <summary>Waits until a condition holds (a UDP server answering, a file appearing).</summary>
    public void WaitFor(Func<bool> ready, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) before {what}:\n{Output}");
            if (ready())
                return;
            Thread.Sleep(50);
        }
        throw new TimeoutException($"{Name}: no {what} in time:\n{Output}");
    }

    /// <summary>
    /// Waits until the output (read asynchronously) contains <paramref name="text"/>; after an
    /// exit, once the streams are drained. Fails with the output.
    /// </summary>
    public void WaitForOutput(string text, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(15));
        while (DateTime.UtcNow < deadline)
        {
            if (Output.Contains(text, StringComparison.Ordinal))
                return;
            if (_process.HasExited)
            {
                _process.WaitForExit(); // drains the redirected streams
                if (Output.Contains(text, StringComparison.Ordinal))
                    return;
                throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) without printing '{text}':\n{Output}");
            }
            Thread.Sleep(50);
        }
        throw new TimeoutException($"{Name} did not print '{text}':\n{Output}");
    }

    public void Signal(int signal) => _ = Posix.Kill(_process.Id, signal);

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}

internal static partial class Posix
{
    public const int SIGHUP = 1, SIGINT = 2, SIGKILL = 9, SIGUSR1 = 10, SIGTERM = 15, SIGSTOP = 19, SIGCONT = 18;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    public static bool IsRoot => GetEuid() == 0;
}

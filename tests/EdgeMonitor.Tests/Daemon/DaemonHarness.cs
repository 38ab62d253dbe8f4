using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Daemon;

/// <summary>A real `edgemonitor run` process with its own config file and state directory.</summary>
public sealed class DaemonHarness : IDisposable
{
    public string Dir { get; } = TempDir.Create("daemon");
    public string ConfigPath => Path.Combine(Dir, "edgemonitor.json");
    public string StateDir => Path.Combine(Dir, "state");
    public string StatusPath => Path.Combine(StateDir, "status.json");
    public ServerProcess? Process { get; private set; }

    public DaemonHarness(string config) => File.WriteAllText(ConfigPath, config);

    public ServerProcess Start(IDictionary<string, string>? env = null, string[]? wrapIn = null)
    {
        Process = EdgeMonitorCli.Start(["run", "--config", ConfigPath, "--state-dir", StateDir], env, wrapIn);
        return Process;
    }

    /// <summary>The parsed status.json, or null while there is none.</summary>
    public JsonDocument? Status()
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(StatusPath));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Polls status.json until the predicate holds (generous deadline); fails with the log and the file.</summary>
    public JsonElement WaitForStatus(Func<JsonElement, bool> predicate, string what, int seconds = 40)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < deadline)
        {
            if (Process!.HasExited)
                break;
            using var doc = Status();
            if (doc is not null && predicate(doc.RootElement))
                return doc.RootElement.Clone();
            Thread.Sleep(100);
        }
        string file = File.Exists(StatusPath) ? File.ReadAllText(StatusPath) : "(no status.json)";
        throw new TimeoutException($"no {what} in time (exited: {Process!.HasExited}).\nlog:\n{Process.Output}\nstatus.json:\n{file}");
    }

    public static string Overall(JsonElement s) => s.GetProperty("overall").GetString()!;

    public static string GroupStatus(JsonElement s, string id) =>
        s.GetProperty("groups").EnumerateArray().FirstOrDefault(g => g.GetProperty("id").GetString() == id) is { ValueKind: JsonValueKind.Object } g
            ? g.GetProperty("status").GetString()!
            : "(none)";

    /// <summary>Stops with SIGTERM and returns the exit code (fails if it does not exit within the deadline).</summary>
    public int Terminate(int seconds = 10)
    {
        Process!.Signal(Posix.SIGTERM);
        Assert.True(Process.Process.WaitForExit(seconds * 1000), $"edgemonitor run did not stop on SIGTERM:\n{Process.Output}");
        Process.Process.WaitForExit();
        return Process.Process.ExitCode;
    }

    public void Dispose()
    {
        Process?.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>A loopback TCP listener that accepts and closes (so probes never fill its backlog); can stop and come back on the same port.</summary>
public sealed class AcceptingListener : IDisposable
{
    private TcpListener? _listener;
    private int _accepted;

    public int Port { get; }
    public int Accepted => Volatile.Read(ref _accepted);

    public AcceptingListener(int port = 0)
    {
        Port = port;
        Start();
        Port = ((IPEndPoint)_listener!.LocalEndpoint).Port;
    }

    public void Start()
    {
        var l = new TcpListener(IPAddress.Loopback, Port);
        l.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        l.Start();
        _listener = l;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    using Socket s = await l.AcceptSocketAsync().ConfigureAwait(false);
                    Interlocked.Increment(ref _accepted);
                }
                catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }
            }
        });
    }

    public void Stop()
    {
        _listener?.Stop();
        _listener = null;
    }

    public void Dispose() => Stop();
}

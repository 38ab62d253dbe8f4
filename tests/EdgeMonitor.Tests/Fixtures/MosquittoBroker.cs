using System.Net;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Fixtures;

/// <summary>
/// A real mosquitto broker on a free loopback port, with persistence in its own directory so a
/// stop and start keeps persistent sessions (a subscriber's queued QoS 1 messages). Optional
/// extra listeners (TLS) and settings (password file) come as config text.
/// </summary>
public sealed class MosquittoBroker : IDisposable
{
    private readonly string _conf;
    private ServerProcess? _process;

    public int Port { get; }
    public string Directory { get; }

    public MosquittoBroker(string settings = "allow_anonymous true", string extraListeners = "")
    {
        Directory = TempDir.Create("mosq");
        Port = Ports.Free();
        _conf = Path.Combine(Directory, "mosquitto.conf");
        // `user root`: keep root so the broker can read test files (password file 0600) and its directory.
        File.WriteAllText(_conf, $"""
            user root
            persistence true
            persistence_location {Directory}/
            log_dest stderr
            log_type error
            log_type warning
            log_type notice
            log_type information
            per_listener_settings false
            {settings}
            listener {Port} 127.0.0.1
            {extraListeners}
            """);
        Start();
    }

    public string Output => _process?.Output ?? "";

    public void WaitForOutput(string text) => (_process ?? throw new InvalidOperationException("broker not started")).WaitForOutput(text);

    public void Start()
    {
        _process = ServerProcess.Start("mosquitto", ["-c", _conf]);
        _process.WaitForTcp(new IPEndPoint(IPAddress.Loopback, Port));
    }

    /// <summary>SIGTERM and wait: mosquitto writes its persistence file on the way out.</summary>
    public void Stop()
    {
        if (_process is null)
            return;
        _process.Signal(Posix.SIGTERM);
        if (!_process.Process.WaitForExit(10_000))
            throw new TimeoutException($"mosquitto did not stop:\n{_process.Output}");
        _process.Dispose();
        _process = null;
    }

    /// <summary>SIGSTOP freezes the broker with its connections open (a silently dead link); SIGCONT thaws it.</summary>
    public void Signal(int signal) => (_process ?? throw new InvalidOperationException("broker not started")).Signal(signal);

    /// <summary>mosquitto_sub printing "retain topic payload" lines, for as long as the test needs.</summary>
    public Subscriber Subscribe(IEnumerable<string> topics, params string[] extra) => new(Port, topics, extra);

    public void Dispose()
    {
        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// A running mosquitto_sub (-F "%r %t %p", QoS 1); lines are read from its output. The
/// constructor returns once the subscription is live: it also subscribes to a marker topic
/// holding a retained message and waits for it (no sleeps).
/// </summary>
public sealed class Subscriber : IDisposable
{
    private readonly ServerProcess _process;
    private readonly string _marker = $"edgemonitor-test/ready/{Guid.NewGuid():N}";

    public Subscriber(int port, IEnumerable<string> topics, string[] extra)
    {
        string[] auth = extra.Contains("-u") ? extra.Skip(Array.IndexOf(extra, "-u")).Take(4).ToArray() : [];
        Sh.Run("mosquitto_pub", ["-h", "127.0.0.1", "-p", port.ToString(), "-q", "1", "-r", "-t", _marker, "-m", "ready", .. auth]);
        var args = new List<string> { "-h", "127.0.0.1", "-p", port.ToString(), "-q", "1", "-F", "%r %t %p" };
        foreach (string t in topics)
            args.AddRange(["-t", t]);
        // Last: the broker sends retained messages in filter order, so the marker comes after the others'.
        args.AddRange(["-t", _marker]);
        args.AddRange(extra);
        _process = ServerProcess.Start("mosquitto_sub", args);
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!_process.Output.Contains(_marker, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                _process.Process.WaitForExit(); // drains the output still in flight
                if (_process.Output.Contains(_marker, StringComparison.Ordinal))
                    break;
                throw new InvalidOperationException($"mosquitto_sub exited before its subscription was live:\n{_process.Output}");
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"mosquitto_sub did not subscribe in time:\n{_process.Output}");
            Thread.Sleep(20);
        }
    }

    /// <summary>(retained, topic, payload) of every message so far.</summary>
    public List<(bool Retained, string Topic, string Payload)> Messages()
    {
        var list = new List<(bool, string, string)>();
        foreach (string line in _process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.TrimEnd('\r').Split(' ', 3);
            if (parts.Length == 3 && parts[0] is "0" or "1" && parts[1] != _marker)
                list.Add((parts[0] == "1", parts[1], parts[2]));
        }
        return list;
    }

    public string Output => _process.Output;

    /// <summary>Polls until the messages satisfy the condition (generous deadline), else fails with what arrived.</summary>
    public List<(bool Retained, string Topic, string Payload)> WaitFor(
        Func<List<(bool Retained, string Topic, string Payload)>, bool> ready, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var m = Messages();
            if (ready(m))
                return m;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no {what} within {seconds} s; got:\n{Output}");
            Thread.Sleep(50);
        }
    }

    public void Dispose() => _process.Dispose();
}

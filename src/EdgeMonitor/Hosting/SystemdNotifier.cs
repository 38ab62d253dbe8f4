using System.Net.Sockets;
using System.Text;
using EdgeMonitor.Model;

namespace EdgeMonitor.Hosting;

/// <summary>
/// sd_notify without libsystemd: one datagram per message to the unix socket named by
/// $NOTIFY_SOCKET (a path, or an abstract name written with a leading '@'). Absent socket:
/// every call is a no-op. Send failures are swallowed: systemd going away must not stop us.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endpoint;
    private readonly object _gate = new();

    public SystemdNotifier(string? notifySocket)
    {
        if (string.IsNullOrEmpty(notifySocket) || (notifySocket[0] != '/' && notifySocket[0] != '@'))
            return;
        // Abstract namespace: '@' stands for the leading NUL byte.
        string path = notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket;
        _endpoint = new UnixDomainSocketEndPoint(path);
        _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    }

    public static SystemdNotifier FromEnvironment() => new(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"));

    public bool Enabled => _socket is not null;

    public bool Ready() => Send("READY=1\nMAINPID=" + Environment.ProcessId);
    public bool Status(string text) => Send("STATUS=" + text.Replace('\n', ' '));
    public bool Watchdog() => Send("WATCHDOG=1");
    public bool Reloading() => Send("RELOADING=1");
    public bool Stopping() => Send("STOPPING=1");

    public bool Send(string message)
    {
        if (_socket is null)
            return false;
        try
        {
            lock (_gate)
                _socket.SendTo(Encoding.UTF8.GetBytes(message), SocketFlags.None, _endpoint!);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// The watchdog interval systemd asked for ($WATCHDOG_USEC, for this process when
    /// $WATCHDOG_PID is set), else <paramref name="fallback"/> (monitor.watchdogSeconds), else none.
    /// </summary>
    public static TimeSpan? WatchdogInterval(TimeSpan? fallback = null)
    {
        string? usec = Environment.GetEnvironmentVariable("WATCHDOG_USEC");
        string? pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (pid is not null && pid != Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            return fallback;
        if (ulong.TryParse(usec, out ulong us) && us > 0)
            return TimeSpan.FromMicroseconds(us);
        return fallback;
    }

    public void Dispose() => _socket?.Dispose();
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading.Channels;

namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>What the library's thread reports; handed off through a channel, handled on the reporter's task.</summary>
internal abstract record MqttSignal
{
    /// <summary>Which client instance sent it: signals of a client already replaced are ignored.</summary>
    public long Generation { get; init; }
}

internal sealed record MqttConnected(int Code) : MqttSignal;
internal sealed record MqttDisconnected(int Code) : MqttSignal;
internal sealed record MqttPublished(int Mid) : MqttSignal;

/// <summary>An incoming message. Payloads over <see cref="MosquittoClient.MaxPayload"/> are not copied (Payload null).</summary>
internal sealed record MqttMessage(string Topic, byte[]? Payload, int Length, bool Retained) : MqttSignal;

internal sealed record MqttTls(string? CaFile, string? CertFile, string? KeyFile, bool Verify);

internal sealed record MqttClientOptions(
    string Host,
    int Port,
    string ClientId,
    int KeepAliveSeconds,
    int ProtocolVersion,
    string? Username,
    string? Password,
    MqttTls? Tls,
    string WillTopic,
    byte[] WillPayload);

/// <summary>
/// One libmosquitto client for one connection attempt and the connection it makes. Callbacks
/// are registered before loop_start and only copy what they need into <see cref="MqttSignal"/>s;
/// everything else happens on the owner's task. Reconnecting is the owner's: it disposes a client
/// whose connection failed or was lost and starts a new one after its own backoff. (libmosquitto
/// 2.0.11's loop thread never retries a first connect_async that failed at once, and sleeps
/// uninterruptibly between its own retries, which would stall loop_stop; so its retry delay is
/// pinned to 1 s and only bridges the moment until the owner replaces the client.)
/// </summary>
internal sealed unsafe class MosquittoClient : IDisposable
{
    public const int MaxPayload = 256;

    // Callbacks find their client through the obj pointer used as an index into this table.
    private static readonly MosquittoClient?[] Slots = new MosquittoClient?[64];
    private static readonly object InitLock = new();
    private static bool _initialized;

    private readonly ChannelWriter<MqttSignal> _signals;
    private readonly int _slot;
    private readonly long _generation;
    private static long _generations;
    private IntPtr _handle;
    private bool _loopStarted;

    private MosquittoClient(ChannelWriter<MqttSignal> signals, int slot)
    {
        _signals = signals;
        _slot = slot;
        _generation = Interlocked.Increment(ref _generations);
    }

    public long Generation => _generation;

    /// <summary>Loads the library (throws DllNotFoundException / EntryPointNotFoundException when it is missing) and inits it once.</summary>
    public static string EnsureLibrary()
    {
        lock (InitLock)
        {
            Mosquitto.LibVersion(out int major, out int minor, out int revision);
            if (!_initialized)
            {
                int rc = Mosquitto.LibInit();
                if (rc != Mosquitto.Success)
                    throw new InvalidOperationException($"mosquitto_lib_init: {Mosquitto.ErrorText(rc)}");
                _initialized = true;
            }
            return $"{major}.{minor}.{revision}";
        }
    }

    /// <summary>
    /// Creates, configures and starts a client; the connection completes in the background
    /// (on_connect or on_disconnect). Returns null with the library's code when the attempt
    /// failed at once (refused, no route): the caller backs off and tries again.
    /// </summary>
    public static MosquittoClient? Start(MqttClientOptions o, ChannelWriter<MqttSignal> signals, out int code, out string error)
    {
        EnsureLibrary();
        int slot = -1;
        lock (Slots)
        {
            for (int i = 0; i < Slots.Length && slot < 0; i++)
            {
                if (Slots[i] is null)
                    slot = i;
            }
            if (slot < 0)
                throw new InvalidOperationException("too many MQTT clients in one process");
            Slots[slot] = new MosquittoClient(signals, slot);
        }
        var c = Slots[slot]!;
        try
        {
            code = c.Configure(o, out error);
            if (code == Mosquitto.Success)
                return c;
            c.Dispose();
            return null;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }

    private int Configure(MqttClientOptions o, out string error)
    {
        _handle = Mosquitto.New(o.ClientId, true, (IntPtr)(_slot + 1));
        if (_handle == IntPtr.Zero)
            throw new InvalidOperationException("mosquitto_new failed (out of memory or invalid client id)");
        Check(Mosquitto.IntOption(_handle, Mosquitto.OptProtocolVersion, o.ProtocolVersion), "protocol version");
        Mosquitto.ConnectCallbackSet(_handle, &OnConnect);
        Mosquitto.DisconnectCallbackSet(_handle, &OnDisconnect);
        Mosquitto.PublishCallbackSet(_handle, &OnPublish);
        Mosquitto.MessageCallbackSet(_handle, &OnMessage);
        fixed (byte* will = o.WillPayload)
            Check(Mosquitto.WillSet(_handle, o.WillTopic, o.WillPayload.Length, will, 1, true), "last will");
        if (o.Username is not null)
            Check(Mosquitto.UsernamePwSet(_handle, o.Username, o.Password), "username/password");
        if (o.Tls is { } tls)
        {
            if (tls.CaFile is null)
                Check(Mosquitto.IntOption(_handle, Mosquitto.OptTlsUseOsCerts, 1), "TLS system CA store");
            // tls_set needs a CA file or path even without one of ours: the system store's directory.
            Check(Mosquitto.TlsSet(_handle, tls.CaFile, tls.CaFile is null ? "/etc/ssl/certs" : null, tls.CertFile, tls.KeyFile, IntPtr.Zero), "TLS files");
            // Verification off is cert_reqs 0 (SSL_VERIFY_NONE); tls_insecure_set is never used.
            Check(Mosquitto.TlsOptsSet(_handle, tls.Verify ? 1 : 0, null, null), "TLS options");
        }
        Check(Mosquitto.ReconnectDelaySet(_handle, 1, 1, false), "reconnect delay");
        int rc = Mosquitto.ConnectAsync(_handle, o.Host, o.Port, o.KeepAliveSeconds);
        if (rc != Mosquitto.Success)
        {
            int errno = Marshal.GetLastPInvokeError();
            error = rc == 14 && errno != 0 ? Marshal.GetPInvokeErrorMessage(errno) : Mosquitto.ErrorText(rc);
            return rc;
        }
        Check(Mosquitto.LoopStart(_handle), "loop start");
        _loopStarted = true;
        error = "";
        return rc;
    }

    private static void Check(int rc, string what)
    {
        if (rc != Mosquitto.Success)
            throw new InvalidOperationException($"libmosquitto {what}: {Mosquitto.ErrorText(rc)}");
    }

    /// <summary>Publishes (safe from any thread while the loop runs). Returns the library's code; mid is for on_publish.</summary>
    public int Publish(string topic, ReadOnlySpan<byte> payload, int qos, bool retain, out int mid)
    {
        fixed (byte* p = payload)
            return Mosquitto.Publish(_handle, out mid, topic, payload.Length, p, qos, retain);
    }

    public int Subscribe(string pattern, int qos) => Mosquitto.Subscribe(_handle, out _, pattern, qos);

    /// <summary>Disconnect, loop_stop(false), destroy: the only shutdown order used.</summary>
    public void Dispose()
    {
        if (_handle != IntPtr.Zero)
        {
            Mosquitto.Disconnect(_handle);
            if (_loopStarted)
                Mosquitto.LoopStop(_handle, false);
            Mosquitto.Destroy(_handle);
            _handle = IntPtr.Zero;
        }
        lock (Slots)
            Slots[_slot] = null;
    }

    private static MosquittoClient? Find(IntPtr obj)
    {
        long i = (long)obj - 1;
        return i >= 0 && i < Slots.Length ? Volatile.Read(ref Slots[i]) : null;
    }

    // The handlers run on the library's thread with its mutex held: catch everything, copy, hand off.

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnConnect(IntPtr mosq, IntPtr obj, int rc)
    {
        try
        {
            if (Find(obj) is { } c)
                c._signals.TryWrite(new MqttConnected(rc) { Generation = c._generation });
        }
        catch
        {
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnDisconnect(IntPtr mosq, IntPtr obj, int rc)
    {
        try
        {
            if (Find(obj) is { } c)
                c._signals.TryWrite(new MqttDisconnected(rc) { Generation = c._generation });
        }
        catch
        {
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnPublish(IntPtr mosq, IntPtr obj, int mid)
    {
        try
        {
            if (Find(obj) is { } c)
                c._signals.TryWrite(new MqttPublished(mid) { Generation = c._generation });
        }
        catch
        {
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnMessage(IntPtr mosq, IntPtr obj, Mosquitto.Message* m)
    {
        try
        {
            if (Find(obj) is not { } c || m is null)
                return;
            string topic = Marshal.PtrToStringUTF8((IntPtr)m->Topic) ?? "";
            int len = Math.Max(0, m->PayloadLen);
            byte[]? payload = len <= MaxPayload ? new ReadOnlySpan<byte>(m->Payload, len).ToArray() : null;
            c._signals.TryWrite(new MqttMessage(topic, payload, len, m->Retain) { Generation = c._generation });
        }
        catch
        {
        }
    }

    public static string Describe(byte[]? payload, int length)
    {
        if (payload is null)
            return $"({length} bytes)";
        string s = Encoding.UTF8.GetString(payload);
        var sb = new StringBuilder(Math.Min(s.Length, 64));
        foreach (char ch in s.AsSpan(0, Math.Min(s.Length, 64)))
            sb.Append(char.IsControl(ch) ? '?' : ch);
        return sb.ToString();
    }
}

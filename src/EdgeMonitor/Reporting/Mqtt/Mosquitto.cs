using System.Runtime.InteropServices;

namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>
/// libmosquitto (Debian libmosquitto1, OpenWrt libmosquitto-ssl): the only interop file for it.
/// Signatures follow /usr/include/mosquitto.h (libmosquitto-dev 2.0). Callbacks are
/// <c>delegate* unmanaged</c> pointers to [UnmanagedCallersOnly] methods (see MosquittoClient);
/// objects are found through the <c>obj</c> pointer used as an index, never a pinned delegate.
/// </summary>
internal static unsafe partial class Mosquitto
{
    // The runtime soname: the unversioned libmosquitto.so only comes with the -dev package.
    private const string Lib = "libmosquitto.so.1";

    public const int Success = 0;          // MOSQ_ERR_SUCCESS
    public const int ErrNoConn = 4;        // MOSQ_ERR_NO_CONN
    public const int OptProtocolVersion = 1;   // MOSQ_OPT_PROTOCOL_VERSION
    public const int OptTlsUseOsCerts = 13;    // MOSQ_OPT_TLS_USE_OS_CERTS
    public const int ProtocolV311 = 4;     // MQTT_PROTOCOL_V311
    public const int ProtocolV5 = 5;       // MQTT_PROTOCOL_V5

    /// <summary>struct mosquitto_message; valid only during the on_message callback.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct Message
    {
        public int Mid;
        public byte* Topic;
        public byte* Payload;
        public int PayloadLen;
        public int Qos;
        [MarshalAs(UnmanagedType.U1)] public bool Retain;
    }

    [LibraryImport(Lib, EntryPoint = "mosquitto_lib_version")]
    public static partial int LibVersion(out int major, out int minor, out int revision);

    [LibraryImport(Lib, EntryPoint = "mosquitto_lib_init")]
    public static partial int LibInit();

    [LibraryImport(Lib, EntryPoint = "mosquitto_new", StringMarshalling = StringMarshalling.Utf8)]
    public static partial IntPtr New(string? id, [MarshalAs(UnmanagedType.U1)] bool cleanSession, IntPtr obj);

    [LibraryImport(Lib, EntryPoint = "mosquitto_destroy")]
    public static partial void Destroy(IntPtr mosq);

    [LibraryImport(Lib, EntryPoint = "mosquitto_int_option")]
    public static partial int IntOption(IntPtr mosq, int option, int value);

    [LibraryImport(Lib, EntryPoint = "mosquitto_will_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int WillSet(IntPtr mosq, string topic, int payloadLen, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain);

    [LibraryImport(Lib, EntryPoint = "mosquitto_username_pw_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int UsernamePwSet(IntPtr mosq, string? username, string? password);

    [LibraryImport(Lib, EntryPoint = "mosquitto_tls_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int TlsSet(IntPtr mosq, string? caFile, string? caPath, string? certFile, string? keyFile, IntPtr pwCallback);

    /// <summary>certReqs 0 = SSL_VERIFY_NONE (verification off), 1 = SSL_VERIFY_PEER.</summary>
    [LibraryImport(Lib, EntryPoint = "mosquitto_tls_opts_set", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int TlsOptsSet(IntPtr mosq, int certReqs, string? tlsVersion, string? ciphers);

    [LibraryImport(Lib, EntryPoint = "mosquitto_reconnect_delay_set")]
    public static partial int ReconnectDelaySet(IntPtr mosq, uint delay, uint delayMax, [MarshalAs(UnmanagedType.U1)] bool exponential);

    [LibraryImport(Lib, EntryPoint = "mosquitto_connect_async", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int ConnectAsync(IntPtr mosq, string host, int port, int keepAlive);

    [LibraryImport(Lib, EntryPoint = "mosquitto_disconnect")]
    public static partial int Disconnect(IntPtr mosq);

    [LibraryImport(Lib, EntryPoint = "mosquitto_loop_start")]
    public static partial int LoopStart(IntPtr mosq);

    [LibraryImport(Lib, EntryPoint = "mosquitto_loop_stop")]
    public static partial int LoopStop(IntPtr mosq, [MarshalAs(UnmanagedType.U1)] bool force);

    [LibraryImport(Lib, EntryPoint = "mosquitto_publish", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Publish(IntPtr mosq, out int mid, string topic, int payloadLen, byte* payload, int qos, [MarshalAs(UnmanagedType.U1)] bool retain);

    [LibraryImport(Lib, EntryPoint = "mosquitto_subscribe", StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Subscribe(IntPtr mosq, out int mid, string pattern, int qos);

    [LibraryImport(Lib, EntryPoint = "mosquitto_connect_callback_set")]
    public static partial void ConnectCallbackSet(IntPtr mosq, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, void> onConnect);

    [LibraryImport(Lib, EntryPoint = "mosquitto_disconnect_callback_set")]
    public static partial void DisconnectCallbackSet(IntPtr mosq, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, void> onDisconnect);

    [LibraryImport(Lib, EntryPoint = "mosquitto_publish_callback_set")]
    public static partial void PublishCallbackSet(IntPtr mosq, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, void> onPublish);

    [LibraryImport(Lib, EntryPoint = "mosquitto_message_callback_set")]
    public static partial void MessageCallbackSet(IntPtr mosq, delegate* unmanaged[Cdecl]<IntPtr, IntPtr, Message*, void> onMessage);

    [LibraryImport(Lib, EntryPoint = "mosquitto_strerror")]
    public static partial byte* StrError(int error);

    [LibraryImport(Lib, EntryPoint = "mosquitto_connack_string")]
    public static partial byte* ConnackString(int code);

    public static string ErrorText(int error) => Marshal.PtrToStringUTF8((IntPtr)StrError(error)) ?? $"error {error}";

    public static string ConnackText(int code) => Marshal.PtrToStringUTF8((IntPtr)ConnackString(code)) ?? $"code {code}";
}

using System.Runtime.InteropServices;
using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using MQTTnet.Formatter;

namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>MQTT settings that cannot be used as they are (refused before connecting).</summary>
public sealed class MqttSettingsException(string message) : Exception(message);

/// <summary>TLS of the broker connection: files as configured; verification on unless turned off.</summary>
public sealed record MqttTls(string? CaFile, string? CertFile, string? KeyFile, bool Verify);

/// <summary>
/// Everything one reporter needs, read once from the `mqtt` section plus site and node. Two
/// settings that are equal connect the same way: a SIGHUP that changes nothing here keeps the connection.
/// </summary>
public sealed record MqttSettings(
    string Host,
    int Port,
    string ClientId,
    int KeepAliveSeconds,
    MqttProtocolVersion Protocol,
    MqttCredentials? Credentials,
    MqttTls? Tls,
    MqttTopics Topics,
    bool HomeAssistant,
    TimeSpan ReconnectMax,
    string Site,
    string Node)
{
    /// <summary>The settings of an enabled section; throws <see cref="MqttSettingsException"/> for unusable ones.</summary>
    public static MqttSettings From(MqttConfig c, string site, string node)
    {
        var credentials = c.CredentialsFile is { } file ? MqttCredentials.Load(file) : null;
        var tls = c.Tls is { } t ? new MqttTls(t.CaFile, t.CertFile, t.KeyFile, t.Verify) : null;
        string clientId = string.IsNullOrWhiteSpace(c.ClientId) ? $"edgemonitor-{site}-{node}" : c.ClientId;
        string prefix = string.IsNullOrWhiteSpace(c.TopicPrefix) ? MqttTopics.DefaultPrefix(site, node) : c.TopicPrefix.TrimEnd('/');
        return new MqttSettings(c.Host ?? MqttSection.DefaultHost, c.Port, clientId, c.KeepAliveSeconds,
            c.Protocol == MqttVersion.V5 ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311, credentials, tls,
            new MqttTopics(prefix, c.DiscoveryPrefix.TrimEnd('/')), c.HomeAssistant, TimeSpan.FromSeconds(c.ReconnectMaxSeconds), site, node);
    }

    /// <summary>Same broker, same session: everything but the topics and Home Assistant.</summary>
    public bool SameConnection(MqttSettings other) =>
        Host == other.Host && Port == other.Port && ClientId == other.ClientId && KeepAliveSeconds == other.KeepAliveSeconds
        && Protocol == other.Protocol && Equals(Credentials, other.Credentials) && Tls == other.Tls
        && Topics.Availability == other.Topics.Availability;
}

/// <summary>
/// The broker login from the credentials file. Its <see cref="ToString"/> never shows the
/// password, so neither does any record or log line that holds it.
/// </summary>
public sealed class MqttCredentials : IEquatable<MqttCredentials>
{
    private MqttCredentials(string user, string password)
    {
        User = user;
        Password = password;
    }

    public string User { get; }
    public string Password { get; }

    public override string ToString() => $"{User} (password hidden)";

    public bool Equals(MqttCredentials? other) => other is not null && User == other.User && Password == other.Password;
    public override bool Equals(object? obj) => Equals(obj as MqttCredentials);
    public override int GetHashCode() => HashCode.Combine(User, Password);

    /// <summary>
    /// First line the user name, second the password. The file itself (never a symlink's target)
    /// must belong to this process's user or root and be unreadable by group and others.
    /// </summary>
    /// <summary>Two short lines; anything bigger is not a credentials file.</summary>
    private const long MaxBytes = 64 * 1024;

    public static MqttCredentials Load(string path)
    {
        if (!Path.Exists(path))
            throw new MqttSettingsException($"credentials file '{path}' does not exist");
        // The mode and owner of this very file: a symlink is refused, not followed.
        if (OwnFile.LStat(path, out string error) is not var (owner, mode, regular))
            throw new MqttSettingsException($"credentials file '{path}': {error}");
        if (!regular)
            throw new MqttSettingsException($"credentials file '{path}' is not a regular file (a symbolic link?); refusing it: name the file itself");
        uint self = OwnFile.GetEUid();
        if (owner != self && owner != 0)
            throw new MqttSettingsException($"credentials file '{path}' belongs to uid {owner}, not to this user ({self}) or root; refusing it");
        if ((mode & 0b000_111_111) != 0)
        {
            throw new MqttSettingsException(
                $"credentials file '{path}' is group- or world-readable (mode {Convert.ToString(mode, 8).PadLeft(4, '0')}); refusing it: chmod 600 it");
        }
        string text;
        try
        {
            text = BoundedFile.ReadAllText(path, MaxBytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new MqttSettingsException($"credentials file '{path}': {e.Message}");
        }
        string[] lines = (text.EndsWith('\n') ? text[..^1] : text).Split('\n'); // as File.ReadAllLines
        if (lines.Length < 2 || lines[0].Trim().Length == 0)
            throw new MqttSettingsException($"credentials file '{path}' must hold the user name on line 1 and the password on line 2");
        return new MqttCredentials(lines[0].Trim(), lines[1].TrimEnd('\r'));
    }
}

/// <summary>The `mqtt` section: when it is on and its checks (each bad value names its JSON path).</summary>
public static class MqttSection
{
    public const string DefaultHost = "localhost";

    /// <summary>`mqtt.host` set means on, unless `enabled: false` says otherwise.</summary>
    public static bool IsOn(MqttConfig c) => c.Enabled ?? c.Host is not null;

    /// <summary>
    /// The section's rules, every problem with its path; the command line hands them to the
    /// loader with the other outputs' (ConfigOption.Outputs), so `check` reports them as `run` does.
    /// Files (TLS, credentials) are checked only when MQTT is on.
    /// </summary>
    public static void Validate(EdgeMonitorConfig config, Action<bool, string, string> check)
    {
        MqttConfig c = config.Mqtt;
        check(c.Port is >= 1 and <= 65535, "$.mqtt.port", "must be 1..65535");
        check(c.KeepAliveSeconds is >= 5 and <= 65535, "$.mqtt.keepAliveSeconds", "must be 5..65535");
        check(c.Host is null || !string.IsNullOrWhiteSpace(c.Host), "$.mqtt.host", "must not be empty");
        check(c.TopicPrefix is null || IsTopic(c.TopicPrefix), "$.mqtt.topicPrefix", "must be a topic without wildcards (+, #)");
        check(IsTopic(c.DiscoveryPrefix), "$.mqtt.discoveryPrefix", "must be a topic without wildcards (+, #)");
        check(c.SpoolMaxEvents is >= 1 and <= 1_000_000, "$.mqtt.spoolMaxEvents", "must be 1..1000000");
        check(c.SpoolMaxBytes is >= 4096 and <= 256 * 1024 * 1024, "$.mqtt.spoolMaxBytes", "must be 4096..268435456");
        check(c.ReconnectMaxSeconds is >= 1 and <= 3600, "$.mqtt.reconnectMaxSeconds", "must be 1..3600");
        check(c.ClientId is null || c.ClientId.Length is >= 1 and <= 65535, "$.mqtt.clientId", "must not be empty");
        if (!IsOn(c))
            return;
        if (c.Tls is { } tls)
        {
            foreach (var (path, file) in new[] { ("caFile", tls.CaFile), ("certFile", tls.CertFile), ("keyFile", tls.KeyFile) })
                check(file is null || File.Exists(file), $"$.mqtt.tls.{path}", $"file '{file}' does not exist");
            check((tls.CertFile is null) == (tls.KeyFile is null), "$.mqtt.tls", "certFile and keyFile go together");
        }
        if (c.CredentialsFile is { } creds)
        {
            try
            {
                MqttCredentials.Load(creds);
            }
            catch (Exception e) when (e is MqttSettingsException or IOException or UnauthorizedAccessException)
            {
                check(false, "$.mqtt.credentialsFile", e.Message);
            }
        }
    }

    private static bool IsTopic(string s) => s.Trim('/').Length > 0 && s.IndexOfAny(['+', '#', '\0']) < 0;
}

/// <summary>statx(2) without following a symlink (its struct has one layout on every architecture), and geteuid(2).</summary>
internal static unsafe partial class OwnFile
{
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxBasicStats = 0x7ff;
    private const uint TypeMask = 0xf000, Regular = 0x8000;

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int dirFd, string path, int flags, uint mask, byte* buffer);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEUid();

    /// <summary>Owner and mode of the file itself; null with the error text when it cannot be read.</summary>
    public static (uint Owner, uint Mode, bool Regular)? LStat(string path, out string error)
    {
        byte* buffer = stackalloc byte[256];
        if (Statx(AtFdCwd, path, AtSymlinkNoFollow, StatxBasicStats, buffer) != 0)
        {
            error = Marshal.GetLastPInvokeErrorMessage();
            return null;
        }
        error = "";
        // struct statx: stx_uid at 20, stx_mode (u16) at 28.
        uint mode = *(ushort*)(buffer + 28);
        return (*(uint*)(buffer + 20), mode & 0xfff, (mode & TypeMask) == Regular);
    }
}

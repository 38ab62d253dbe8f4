using System.Text.Json.Serialization;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Configuration;

// The configuration file's shape. Property names are the JSON keys (camelCase through the
// source-generated context); unknown keys are errors. Defaults here are the documented ones.

public sealed class EdgeMonitorConfig
{
    public string Site { get; set; } = "default";

    /// <summary>Node name; empty means the machine's host name.</summary>
    public string Node { get; set; } = "";

    /// <summary>The node name in use: <see cref="Node"/>, else the host name.</summary>
    [JsonIgnore]
    public string NodeName => string.IsNullOrWhiteSpace(Node) ? Environment.MachineName : Node;

    /// <summary>Built-in profile names to check. Empty: none (only custom targets).</summary>
    public List<string> Profiles { get; set; } = [];

    /// <summary>Custom targets, same fields as built-in ones.</summary>
    public List<TargetConfig> Targets { get; set; } = [];

    /// <summary>Per-target requirement overrides: "profile/targetId" to required|optional|blocked.</summary>
    public Dictionary<string, string> Requirements { get; set; } = [];

    /// <summary>name, name:port, ip or ip:port to ip or ip:port: connect there, keep the name for SNI and Host.</summary>
    public Dictionary<string, string> AddressMap { get; set; } = [];

    public DnsConfig Dns { get; set; } = new();
    public NtpConfig Ntp { get; set; } = new();
    public TlsConfig Tls { get; set; } = new();
    public ProbeConfig Probe { get; set; } = new();
    public MonitorConfig Monitor { get; set; } = new();
    public MqttConfig Mqtt { get; set; } = new();
    public LedsConfig Leds { get; set; } = new();
    public DisplayConfig Display { get; set; } = new();
    public LoggingConfig Logging { get; set; } = new();
}

public sealed class TargetConfig
{
    public string? Profile { get; set; }
    public string? Id { get; set; }
    public string? Kind { get; set; }
    public string? Host { get; set; }
    public int Port { get; set; }
    public string? Requirement { get; set; }
    public string? Role { get; set; }
    public string? Group { get; set; }
    public string? Note { get; set; }
    public string? Alpn { get; set; }
    public string? Path { get; set; }
    public int? IdleSeconds { get; set; }
}

public sealed class DnsConfig
{
    /// <summary>ip[:port] of a DNS server to ask instead of the system resolver.</summary>
    public string? Server { get; set; }
}

public sealed class NtpConfig
{
    /// <summary>The DHCP-advertised NTP server (host[:port]); replaces the fixed pools where a guide says so.</summary>
    public string? Server { get; set; }

    /// <summary>
    /// Without ntp.server: learn the server the site's DHCP advertises (option 42) the way a
    /// device would (DHCPINFORM on the default route's interface, else this box's DHCP lease).
    /// </summary>
    public bool FromDhcp { get; set; } = true;

    /// <summary>A local clock off by more than this fails as clock_skew.</summary>
    public int MaxOffsetMs { get; set; } = 1000;
}

public sealed class TlsConfig
{
    /// <summary>PEM file of extra CAs trusted besides the system store (a lab CA, a site's own).</summary>
    public string? ExtraCaFile { get; set; }
}

public sealed class ProbeConfig
{
    public int TimeoutMs { get; set; } = 5000;
    // Probes wait on the network, not the CPU: a full check of every profile (about 90
    // results) runs in one wave, so it takes about as long as its slowest probe.
    public int Concurrency { get; set; } = 64;

    /// <summary>off | optional | required: how IPv6 results weigh. Optional: a failure only degrades.</summary>
    public Ipv6Mode Ipv6 { get; set; } = Ipv6Mode.Optional;

    /// <summary>
    /// A test lab stands in for the vendors: built-in names may resolve to private addresses and
    /// tls.extraCaFile may anchor their certificates. Never on a real site (it would hide a DNS filter or TLS inspection).
    /// </summary>
    public bool Lab { get; set; }

    /// <summary>How many addresses of one name are probed per family; a load balancer's every address must pass.</summary>
    public int MaxAddresses { get; set; } = 4;
}

public sealed class MonitorConfig
{
    /// <summary>Interval for every kind unless <see cref="Intervals"/> names it.</summary>
    public int IntervalSeconds { get; set; } = 30;

    /// <summary>Per-kind intervals in seconds, e.g. { "ntp": 300 }.</summary>
    public Dictionary<string, int> Intervals { get; set; } = [];

    /// <summary>Fraction of the interval added or taken at random (0..0.5).</summary>
    public double Jitter { get; set; } = 0.1;

    public int FailuresToFail { get; set; } = 2;
    public int SuccessesToRecover { get; set; } = 2;

    /// <summary>Watchdog interval when systemd sets none ($WATCHDOG_USEC wins); 0: only as systemd says.</summary>
    public int WatchdogSeconds { get; set; } = 0;
}

/// <summary>The `mqtt` section; Reporting/Mqtt/MqttSettings.cs reads and validates it.</summary>
public sealed class MqttConfig
{
    /// <summary>Unset: on when <see cref="Host"/> is set.</summary>
    public bool? Enabled { get; set; }

    /// <summary>Unset: localhost (when enabled).</summary>
    public string? Host { get; set; }

    public int Port { get; set; } = 1883;
    public string? TopicPrefix { get; set; }
    public MqttTlsConfig? Tls { get; set; }
    public string? CredentialsFile { get; set; }
    public string? ClientId { get; set; }
    public int KeepAliveSeconds { get; set; } = 60;
    public MqttVersion Protocol { get; set; } = MqttVersion.V311;
    public bool HomeAssistant { get; set; } = true;
    public string DiscoveryPrefix { get; set; } = "homeassistant";
    public int SpoolMaxEvents { get; set; } = 10000;
    public int SpoolMaxBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Reconnect backoff: 1 s doubling up to this, with jitter (4: back within 5 s of the broker).</summary>
    public int ReconnectMaxSeconds { get; set; } = 4;
}

/// <summary>The MQTT protocol version spoken to the broker.</summary>
[JsonConverter(typeof(NamesOnlyEnumConverter<MqttVersion>))]
public enum MqttVersion
{
    [JsonStringEnumMemberName("3.1.1")] V311,
    [JsonStringEnumMemberName("5")] V5,
}

public sealed class MqttTlsConfig
{
    public string? CaFile { get; set; }
    public string? CertFile { get; set; }
    public string? KeyFile { get; set; }

    /// <summary>Certificate verification; on unless explicitly turned off.</summary>
    public bool Verify { get; set; } = true;
}

/// <summary>Which System.Device.Gpio driver runs the gpio indicators and the button.</summary>
[JsonConverter(typeof(NamesOnlyEnumConverter<GpioDriverKind>))]
public enum GpioDriverKind
{
    /// <summary>The kernel's GPIO character device, no native library (the default).</summary>
    [JsonStringEnumMemberName("chardev")] CharacterDevice,

    /// <summary>System.Device.Gpio's LibGpiodDriver: libgpiod 1.x (libgpiod.so.2) must be installed.</summary>
    [JsonStringEnumMemberName("libgpiod")] Libgpiod,

    /// <summary>System.Device.Gpio's LibGpiodV2Driver: libgpiod 2.x (libgpiod.so.3).</summary>
    [JsonStringEnumMemberName("libgpiod2")] Libgpiod2,

    /// <summary>System.Device.Gpio's RaspberryPi3Driver: registers through /dev/gpiomem, BCM numbers (Pi 3/4; not the Pi 5's RP1).</summary>
    [JsonStringEnumMemberName("raspberrypi")] RaspberryPi,
}

/// <summary>
/// A config enum read by its documented names only: "1" is an error, not the second member.
/// Configuration/ConfigShape.cs checks the spelling first and names the allowed values.
/// </summary>
public sealed class NamesOnlyEnumConverter<TEnum>() : JsonStringEnumConverter<TEnum>(namingPolicy: null, allowIntegerValues: false)
    where TEnum : struct, Enum;

public sealed class LedsConfig
{
    public string SysfsRoot { get; set; } = "/sys";

    /// <summary>chardev | libgpiod | libgpiod2 | raspberrypi</summary>
    public GpioDriverKind GpioDriver { get; set; } = GpioDriverKind.CharacterDevice;
    public List<IndicatorConfig> Indicators { get; set; } = [];
    public ButtonConfig? Button { get; set; }

    /// <summary>What the LEDs show after a clean exit: off | failing.</summary>
    public NoVerdictLook OnExit { get; set; } = NoVerdictLook.Off;

    /// <summary>No progress from the monitor for this long: the LEDs show <see cref="OnStall"/>, never green.</summary>
    public int StallSeconds { get; set; } = 90;

    /// <summary>What a stalled monitor shows: failing | off.</summary>
    public NoVerdictLook OnStall { get; set; } = NoVerdictLook.Failing;
}

/// <summary>What the LEDs show when no verdict stands behind them (a stall, after exit): never green.</summary>
[JsonConverter(typeof(NamesOnlyEnumConverter<NoVerdictLook>))]
public enum NoVerdictLook
{
    [JsonStringEnumMemberName("off")] Off,
    [JsonStringEnumMemberName("failing")] Failing,
}

/// <summary>What drives one indicator's LEDs.</summary>
[JsonConverter(typeof(NamesOnlyEnumConverter<IndicatorDriverKind>))]
public enum IndicatorDriverKind
{
    /// <summary>GPIO lines through <see cref="LedsConfig.GpioDriver"/>.</summary>
    [JsonStringEnumMemberName("gpio")] Gpio,

    /// <summary>The kernel's LED class (/sys/class/leds).</summary>
    [JsonStringEnumMemberName("ledclass")] LedClass,

    /// <summary>Text on the console; no hardware.</summary>
    [JsonStringEnumMemberName("console")] Console,
}

public sealed class IndicatorConfig
{
    /// <summary>overall, a profile name or a group id (profile/group).</summary>
    public string Source { get; set; } = "overall";

    /// <summary>gpio | ledclass | console</summary>
    public IndicatorDriverKind Driver { get; set; } = IndicatorDriverKind.Console;

    /// <summary>GPIO chip: /dev/gpiochipN, gpiochipN, N or its label (default /dev/gpiochip0).</summary>
    public string? Chip { get; set; }

    /// <summary>Every GPIO line of this indicator is active-low (a single line: prefix it with '!').</summary>
    public bool ActiveLow { get; set; }

    /// <summary>LED class name, or GPIO line number or name.</summary>
    public string? Green { get; set; }
    public string? Amber { get; set; }
    public string? Red { get; set; }
}

public sealed class ButtonConfig
{
    public string Chip { get; set; } = "/dev/gpiochip0";
    public string Line { get; set; } = "";
    public bool ActiveLow { get; set; } = true;
    public int DebounceMs { get; set; } = 30;
    public int LongPressMs { get; set; } = 2000;
}

public sealed class LoggingConfig
{
    /// <summary>Directory for rolling log files; empty: $LOGS_DIRECTORY, else console only.</summary>
    public string? Directory { get; set; }
    public string Level { get; set; } = "Information";
    public long FileSizeLimitBytes { get; set; } = 1024 * 1024;
    public int RetainedFileCount { get; set; } = 5;
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    RespectNullableAnnotations = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(EdgeMonitorConfig))]
internal sealed partial class ConfigJsonContext : JsonSerializerContext;

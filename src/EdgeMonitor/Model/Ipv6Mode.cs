using System.Text.Json.Serialization;

namespace EdgeMonitor.Model;

/// <summary>
/// How IPv6 results weigh (probe.ipv6): not probed, a failure only degrades, or weighed like
/// IPv4. The config file spells them as named here; Configuration/ConfigShape.cs refuses any other.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<Ipv6Mode>))]
public enum Ipv6Mode
{
    [JsonStringEnumMemberName("off")] Off,
    [JsonStringEnumMemberName("optional")] Optional,
    [JsonStringEnumMemberName("required")] Required,
}

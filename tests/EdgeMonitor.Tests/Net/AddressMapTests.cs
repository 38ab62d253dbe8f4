using System.Net;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Net;

public sealed class AddressMapTests
{
    [Fact]
    public void Most_specific_key_wins_and_ipv6_forms_parse()
    {
        Assert.True(AddressMap.TryCreate(new Dictionary<string, string>
        {
            ["cloud_ap.cloudtrax.com"] = "127.0.0.2",
            ["cloud_ap.cloudtrax.com:80"] = "127.0.0.3:8080",
            ["54.245.251.231"] = "[::1]:9443",
            ["2001:db8::1"] = "::1",
        }, out var map, out string? error), error);

        Assert.True(map.TryMap("cloud_ap.cloudtrax.com", 443, out var ep));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 443), ep);
        Assert.True(map.TryMap("CLOUD_AP.cloudtrax.com", 80, out ep));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.3"), 8080), ep);
        Assert.True(map.TryMap("54.245.251.231", 80, out ep));
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 9443), ep);
        Assert.True(map.TryMap("2001:db8::1", 123, out ep));
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 123), ep);
        Assert.False(map.TryMap("router.cloudtrax.com", 443, out _));
    }

    [Theory]
    [InlineData("a.example", "not-an-ip")]
    [InlineData("a.example", "127.0.0.1:99999")]
    [InlineData("a.example:0", "127.0.0.1")]
    [InlineData("", "127.0.0.1")]
    public void Bad_entries_are_refused_with_the_entry_named(string key, string value)
    {
        Assert.False(AddressMap.TryCreate(new Dictionary<string, string> { [key] = value }, out _, out string? error));
        Assert.Contains("'", error);
    }
}

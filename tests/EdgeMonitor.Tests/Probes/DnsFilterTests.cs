using System.Net;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Probes;

/// <summary>Which DNS answers are a filter's: the pure rule under the dnsmasq test in <see cref="DiagnosisCliTests"/>.</summary>
public sealed class DnsFilterTests
{
    private static readonly Target Vendor = new Target("dt-ccon-gen2", "est", "tls", "est.example.com", 443, Requirement.Required, Role.Primary, "g", "t") { Public = true };
    private static readonly Target Custom = Vendor with { Public = false };

    private static Reason Judge(Target t, string address, bool lab = false) =>
        DnsFilter.Judge(new DnsAnswer(Reason.Ok, [IPAddress.Parse(address)], "answer"), t, lab).Reason;

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("169.254.1.1")]
    [InlineData("fe80::1")]
    [InlineData("10.1.2.3")]
    [InlineData("172.16.0.1")]
    [InlineData("192.168.1.1")]
    [InlineData("100.64.0.1")]
    [InlineData("fd00::1")]
    [InlineData("::ffff:0.0.0.0")]
    public void A_vendor_name_answered_with_an_address_it_cannot_have_is_filtered(string address) =>
        Assert.Equal(Reason.DnsFiltered, Judge(Vendor, address));

    [Theory]
    [InlineData("52.1.2.3")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2600:1f14::1")]
    public void A_public_address_is_not(string address) => Assert.Equal(Reason.Ok, Judge(Vendor, address));

    [Fact]
    public void Custom_targets_and_the_lab_only_refuse_the_unspecified_address()
    {
        Assert.Equal(Reason.Ok, Judge(Custom, "10.1.2.3"));
        Assert.Equal(Reason.Ok, Judge(Custom, "127.0.0.1"));
        Assert.Equal(Reason.DnsFiltered, Judge(Custom, "0.0.0.0"));
        Assert.Equal(Reason.Ok, Judge(Vendor, "10.99.2.5", lab: true));
        Assert.Equal(Reason.DnsFiltered, Judge(Vendor, "::", lab: true));
    }
}

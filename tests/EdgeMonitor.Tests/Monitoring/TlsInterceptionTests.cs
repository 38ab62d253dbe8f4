using EdgeMonitor.Model;
using EdgeMonitor.Monitoring;

namespace EdgeMonitor.Tests.Monitoring;

public sealed class TlsInterceptionTests
{
    private static ProbeResult Untrusted(string host, string issuer) =>
        new(new Target("p", host, "tls", host, 443, Requirement.Required, Role.Primary, "g", ""), Family.IPv4, null, false,
            Reason.TlsUntrusted, "untrusted", 1, Requirement.Required, DateTimeOffset.UnixEpoch) { Issuer = issuer };

    [Fact]
    public void One_issuer_for_unrelated_domains_is_interception_but_one_domain_is_not()
    {
        var sameDomain = TlsInterception.Reclassify([Untrusted("a.cloudtrax.com", "CN=Box"), Untrusted("b.cloudtrax.com", "CN=Box")]);
        Assert.All(sameDomain, r => Assert.Equal(Reason.TlsUntrusted, r.Reason));

        var unrelated = TlsInterception.Reclassify([Untrusted("a.cloudtrax.com", "CN=Box"), Untrusted("auth.docker.io", "CN=Box"),
            Untrusted("x.balena-cloud.com", "CN=Other")]);
        Assert.Equal(Reason.TlsIntercepted, unrelated[0].Reason);
        Assert.Equal(Reason.TlsIntercepted, unrelated[1].Reason);
        Assert.Equal(Reason.TlsUntrusted, unrelated[2].Reason);
    }
}

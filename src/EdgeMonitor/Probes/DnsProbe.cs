using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Probes;

/// <summary>
/// kind dns: the target's name resolves, for this family (A for IPv4, AAAA for IPv6), through the
/// resolver the site gives its devices: the system resolver, or <c>dns.server</c> when configured.
/// The runner calls it once per family with no endpoint.
/// <para>
/// Target.Port is not used to pick a server: where the question goes is the resolver's business
/// (dns.server takes ip:port), so one setting covers every dns target. Write 53 by convention.
/// A host that is an IP literal or mapped by addressMap has nothing to resolve: the runner hands
/// an endpoint and the probe passes saying so, since the operator chose to skip DNS for it.
/// </para>
/// </summary>
public sealed class DnsProbe : IProbe
{
    public const string Name = "dns";
    public string Kind => Name;
    public Transport Transport => Transport.Udp;
    public IReadOnlyList<Reason> Reasons { get; } = ProbeRunner.NameReasons;
    public bool NeedsAddress => false;
    public Reason TimeoutReason => Reason.DnsTimeout;
    public Reason ErrorReason => Reason.DnsServfail;

    public async Task<ProbeOutcome> ProbeAsync(ProbeContext context)
    {
        if (context.Endpoint is { } given)
            return ProbeOutcome.Ok($"{context.HostName}: not resolved, addressMap or literal gives {given.Address}");
        Family family = context.Family == Family.Any ? Family.IPv4 : context.Family;
        IResolver resolver = context.Environment.Resolver;
        DnsAnswer answer = DnsFilter.Judge(await resolver.ResolveAsync(context.HostName, family, context.Timeout).ConfigureAwait(false),
            context.Target, context.Environment.Lab);
        string detail = $"{answer.Detail} ({resolver.Describe})";
        // 0.0.0.0 and :: are what DNS filters answer for a blocked name: no service has that address,
        // so the name is as good as missing for a device (dns_nxdomain until the vocabulary has a DNS-filter code).
        if (answer.Ok && answer.Addresses.Any(a => a.Equals(System.Net.IPAddress.Any) || a.Equals(System.Net.IPAddress.IPv6Any)))
            return ProbeOutcome.Fail(Reason.DnsNxdomain, $"{detail}: an unspecified address is a DNS filter's answer, not the service's");
        return answer.Ok ? ProbeOutcome.Ok(detail) : ProbeOutcome.Fail(answer.Reason, detail);
    }
}

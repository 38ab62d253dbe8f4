using System.Net;
using System.Net.Sockets;

namespace EdgeMonitor.Probes;

/// <summary>The answer to one A or AAAA question: addresses, or why there are none.</summary>
public sealed record DnsAnswer(Reason Reason, IReadOnlyList<IPAddress> Addresses, string Detail)
{
    public bool Ok => Reason == Reason.Ok;

    /// <summary>How long the question took, set by the runner.</summary>
    public double LatencyMs { get; init; }
}

/// <summary>Resolves one name for one family (A or AAAA), so each family fails or passes on its own.</summary>
public interface IResolver
{
    string Describe { get; }

    Task<DnsAnswer> ResolveAsync(string name, Family family, CancellationToken timeout);
}

/// <summary>
/// The system resolver (getaddrinfo). It cannot tell SERVFAIL from REFUSED (both EAI_AGAIN) and
/// gives up later than our timeout when no server answers; a configured server (dns.server) tells
/// them all apart.
/// </summary>
public sealed class SystemResolver : IResolver
{
    public string Describe => "system resolver";

    public async Task<DnsAnswer> ResolveAsync(string name, Family family, CancellationToken timeout)
    {
        var af = family == Family.IPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        string rr = family == Family.IPv6 ? "AAAA" : "A";
        try
        {
            IPAddress[] addrs = await Dns.GetHostAddressesAsync(name, af, timeout).ConfigureAwait(false);
            return addrs.Length == 0
                ? new DnsAnswer(Reason.DnsNoAddress, [], $"{name}: no {rr} record")
                : new DnsAnswer(Reason.Ok, addrs, $"{name} {rr} {string.Join(' ', addrs.Select(a => a.ToString()))}");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new DnsAnswer(Reason.DnsTimeout, [], $"{name}: no {rr} answer in time");
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode switch
            {
                // .NET folds glibc's EAI_NODATA ("no address of this type") into HostNotFound (EAI_NONAME),
                // which would call every IPv4-only host NXDOMAIN for AAAA. The name exists if the other
                // family resolves: then it is dns_no_address (no IPv6 presence), not dns_nxdomain.
                SocketError.HostNotFound when await HasOtherFamilyAsync(name, af, timeout).ConfigureAwait(false) =>
                    new DnsAnswer(Reason.DnsNoAddress, [], $"{name}: no {rr} record (the name has {(family == Family.IPv6 ? "A" : "AAAA")} records)"),
                SocketError.HostNotFound => new DnsAnswer(Reason.DnsNxdomain, [], $"{name}: no such name"),
                SocketError.NoData => new DnsAnswer(Reason.DnsNoAddress, [], $"{name}: no {rr} record"),
                // EAI_AGAIN: the server answered SERVFAIL or REFUSED, or none answered within the resolver's own retries.
                SocketError.TryAgain => new DnsAnswer(Reason.DnsServfail, [], $"{name}: temporary resolver failure (SERVFAIL, REFUSED or no server answering)"),
                // EAI_FAIL: a non-recoverable error (FORMERR, NOTIMP...).
                SocketError.NoRecovery => new DnsAnswer(Reason.DnsServfail, [], $"{name}: non-recoverable resolver failure"),
                _ => new DnsAnswer(Reason.DnsServfail, [], $"{name}: {e.SocketErrorCode}"),
            };
        }
    }

    private static async Task<bool> HasOtherFamilyAsync(string name, AddressFamily asked, CancellationToken timeout)
    {
        var other = asked == AddressFamily.InterNetworkV6 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        try
        {
            return (await Dns.GetHostAddressesAsync(name, other, timeout).ConfigureAwait(false)).Length > 0;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

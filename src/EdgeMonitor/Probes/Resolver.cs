using System.Net;
using System.Net.Sockets;

namespace EdgeMonitor.Probes;

/// <summary>The answer to one A or AAAA question: addresses, or why there are none.</summary>
public sealed record DnsAnswer(Reason Reason, IReadOnlyList<IPAddress> Addresses, string Detail)
{
    public bool Ok => Reason == Reason.Ok;
}

/// <summary>Resolves one name for one family (A or AAAA), so each family fails or passes on its own.</summary>
public interface IResolver
{
    string Describe { get; }

    Task<DnsAnswer> ResolveAsync(string name, Family family, CancellationToken timeout);
}

/// <summary>The system resolver (getaddrinfo). It cannot tell SERVFAIL from a timeout; a configured server can.</summary>
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
                SocketError.HostNotFound => new DnsAnswer(Reason.DnsNxdomain, [], $"{name}: no such name"),
                SocketError.NoData => new DnsAnswer(Reason.DnsNoAddress, [], $"{name}: no {rr} record"),
                SocketError.TryAgain => new DnsAnswer(Reason.DnsServfail, [], $"{name}: temporary resolver failure"),
                _ => new DnsAnswer(Reason.DnsServfail, [], $"{name}: {e.SocketErrorCode}"),
            };
        }
    }
}

using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Model;

namespace EdgeMonitor.Net;

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
    // getaddrinfo blocks its thread and cannot be cancelled. On the thread pool, a site that
    // drops DNS ties up one pool thread per lookup and starves every other probe (seen in the
    // lab: 40 s latencies against a 2 s timeout). So lookups run on a few threads of their own,
    // identical lookups in flight are shared (many targets share a name), and callers stop
    // waiting at their own timeout (dns_timeout) while a stuck lookup ends in the background.
    private const int LookupThreads = 4;
    private readonly SemaphoreSlim _threads = new(LookupThreads);
    private readonly ConcurrentDictionary<(string Name, AddressFamily Af), Lazy<Task<IPAddress[]>>> _inFlight = new();

    private readonly string _resolvConf;

    public SystemResolver(string resolvConf = "/etc/resolv.conf") => _resolvConf = resolvConf;

    public string Describe => "system resolver";

    private Task<IPAddress[]> LookupAsync(string name, AddressFamily af, CancellationToken timeout) =>
        _inFlight.GetOrAdd((name.ToLowerInvariant(), af), key => new Lazy<Task<IPAddress[]>>(() => RunLookupAsync(key)))
            .Value.WaitAsync(timeout);

    private async Task<IPAddress[]> RunLookupAsync((string Name, AddressFamily Af) key)
    {
        try
        {
            await _threads.WaitAsync().ConfigureAwait(false);
            try
            {
                return await Task.Factory.StartNew(() => Dns.GetHostAddresses(key.Name, key.Af), CancellationToken.None,
                    TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
            }
            finally
            {
                _threads.Release();
            }
        }
        finally
        {
            _inFlight.TryRemove(key, out _);
        }
    }

    public async Task<DnsAnswer> ResolveAsync(string name, Family family, CancellationToken timeout)
    {
        var af = family == Family.IPv6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
        string rr = family == Family.IPv6 ? "AAAA" : "A";
        // getaddrinfo's .NET wrapper throws (not a SocketException) for names DNS cannot carry.
        if (name.TrimEnd('.').Length > 253)
            return new DnsAnswer(Reason.DnsNxdomain, [], $"{name[..40]}...: a name of {name.Length} characters cannot exist in DNS (253 at most)");
        try
        {
            IPAddress[] addrs = await LookupAsync(name, af, timeout).ConfigureAwait(false);
            return addrs.Length == 0
                ? new DnsAnswer(Reason.DnsNoAddress, [], $"{name}: no {rr} record")
                : new DnsAnswer(Reason.Ok, addrs, $"{name} {rr} {string.Join(' ', addrs.Select(a => a.ToString()))}");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new DnsAnswer(Reason.DnsTimeout, [], $"{name}: no {rr} answer in time");
        }
        catch (ArgumentException)
        {
            return new DnsAnswer(Reason.DnsNxdomain, [], $"{name}: not a valid DNS name");
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
                SocketError.TryAgain => await ClassifyTemporaryFailureAsync(name, family, rr, timeout).ConfigureAwait(false),
                // EAI_FAIL: a non-recoverable error (FORMERR, NOTIMP...).
                SocketError.NoRecovery => new DnsAnswer(Reason.DnsServfail, [], $"{name}: non-recoverable resolver failure"),
                _ => new DnsAnswer(Reason.DnsServfail, [], $"{name}: {e.SocketErrorCode}"),
            };
        }
    }

    /// <summary>
    /// getaddrinfo's EAI_AGAIN folds SERVFAIL, REFUSED and "no server answered" into one. The
    /// admin needs to know which: ask the system's own first nameserver (/etc/resolv.conf) the
    /// same question directly, with the time left, and report what it really did.
    /// </summary>
    private async Task<DnsAnswer> ClassifyTemporaryFailureAsync(string name, Family family, string rr, CancellationToken timeout)
    {
        var fallback = new DnsAnswer(Reason.DnsServfail, [], $"{name}: temporary resolver failure (SERVFAIL, REFUSED or no server answering)");
        if (ResolvConf.FirstNameserver(_resolvConf) is not { } ns)
            return fallback;
        try
        {
            DnsAnswer direct = await new ServerResolver(ns).ResolveAsync(name, family, timeout).ConfigureAwait(false);
            return direct.Reason is Reason.DnsTimeout or Reason.DnsServfail or Reason.DnsUnreachable
                ? direct with { Detail = $"{name}: system resolver failed for {rr}; asked {ns} directly: {direct.Detail}" }
                : fallback;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return new DnsAnswer(Reason.DnsTimeout, [], $"{name}: no {rr} answer from {ns} in time");
        }
    }

    private async Task<bool> HasOtherFamilyAsync(string name, AddressFamily asked, CancellationToken timeout)
    {
        var other = asked == AddressFamily.InterNetworkV6 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        try
        {
            return (await LookupAsync(name, other, timeout).ConfigureAwait(false)).Length > 0;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}

/// <summary>The nameserver lines of resolv.conf(5), enough to ask the system's resolver directly.</summary>
public static class ResolvConf
{
    /// <summary>resolv.conf is a few lines; read no more than this of whatever is there.</summary>
    private const int MaxChars = 64 * 1024;

    public static IPEndPoint? FirstNameserver(string path)
    {
        try
        {
            using var reader = new StreamReader(path);
            // Read on every "temporary resolver failure": a pooled buffer, not 128 KB of fresh large-object heap each time.
            char[] text = ArrayPool<char>.Shared.Rent(MaxChars);
            string head;
            try
            {
                head = new string(text, 0, reader.ReadBlock(text, 0, MaxChars));
            }
            finally
            {
                ArrayPool<char>.Shared.Return(text);
            }
            foreach (string line in head.Split('\n'))
            {
                string[] f = line.Split((char[])[' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
                if (f.Length >= 2 && f[0] == "nameserver" && IPAddress.TryParse(f[1].Split('%')[0], out IPAddress? a))
                    return new IPEndPoint(a, 53);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return null;
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Probes;

/// <summary>
/// The shared work around every probe, done once: address mapping and per-family resolution,
/// the timeout, latency, bounded concurrency, and turning stray exceptions into reason codes.
/// </summary>
public sealed class ProbeRunner(ProbeEnvironment env)
{
    /// <summary>What resolving a target's name reports, for every kind.</summary>
    public static IReadOnlyList<Reason> NameReasons { get; } =
        [Reason.DnsNxdomain, Reason.DnsServfail, Reason.DnsTimeout, Reason.DnsNoAddress, Reason.DnsFiltered, Reason.DnsUnreachable];

    private readonly SemaphoreSlim _slots = new(Math.Max(1, env.Concurrency));

    public ProbeEnvironment Environment => env;

    /// <summary>Runs every target once, concurrently within the bound; results in target order, as the probes found them
    /// (verdicts across targets, like TLS interception, are the status evaluator's).</summary>
    public async Task<IReadOnlyList<ProbeResult>> RunAllAsync(IReadOnlyList<Target> targets, CancellationToken ct)
    {
        var tasks = new Task<IReadOnlyList<ProbeResult>>[targets.Count];
        for (int i = 0; i < targets.Count; i++)
            tasks[i] = RunAsync(targets[i], ct);
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var all = new List<ProbeResult>();
        foreach (var t in tasks)
            all.AddRange(t.Result);
        return all;
    }

    /// <summary>Probes one target: one result per family that applies (or one for a name that does not resolve).</summary>
    public async Task<IReadOnlyList<ProbeResult>> RunAsync(Target target, CancellationToken ct)
    {
        IProbe probe = ProbeKinds.Find(target.Kind)
            ?? throw new InvalidOperationException($"unknown probe kind '{target.Kind}'");

        if (env.AddressMap.TryMap(target.Host, target.Port, out IPEndPoint mapped))
            return [await ProbeOneAsync(probe, target, FamilyOf(mapped.Address), mapped, ct).ConfigureAwait(false)];

        if (IPAddress.TryParse(target.Host, out IPAddress? literal))
            return [await ProbeOneAsync(probe, target, FamilyOf(literal), new IPEndPoint(literal, target.Port), ct).ConfigureAwait(false)];

        Family[] families = env.Ipv6 == Ipv6Mode.Off ? [Family.IPv4] : [Family.IPv4, Family.IPv6];

        if (!probe.NeedsAddress)
        {
            var own = await Task.WhenAll(families.Select(f => ProbeOneAsync(probe, target, f, null, ct))).ConfigureAwait(false);
            // As below: no AAAA means no IPv6 presence, not an IPv6 failure.
            return own.Where(r => r.Family != Family.IPv6 || r.Reason != Reason.DnsNoAddress).ToList();
        }

        // Resolve A and AAAA separately: each family passes or fails on its own.
        var answers = (await Task.WhenAll(families.Select(f => ResolveAsync(target.Host, f, ct))).ConfigureAwait(false))
            .Select(a => DnsFilter.Judge(a, target, env.Lab)).ToArray();
        DnsAnswer v4 = answers[0];
        DnsAnswer? v6 = answers.Length > 1 ? answers[1] : null;

        // A name with no address of any kind is one DNS failure, not one per family.
        if (!v4.Ok && (v6 is null || !v6.Ok) && (v6 is null || v6.Reason == v4.Reason || v6.Reason == Reason.DnsNoAddress))
        {
            // A filter sinkholing both families (0.0.0.0 and ::) is told in one row naming both answers.
            DnsAnswer both = v4.Reason == Reason.DnsFiltered && v6 is { Reason: Reason.DnsFiltered } ? v4 with { Detail = $"{v4.Detail}; AAAA: {v6.Detail}" } : v4;
            return [DnsFailure(target, Family.Any, both)];
        }

        var results = new List<Task<ProbeResult>>(2);
        results.Add(v4.Ok
            ? ProbeAddressesAsync(probe, target, Family.IPv4, v4, ct)
            : Task.FromResult(DnsFailure(target, Family.IPv4, v4)));
        // No AAAA at all means the service has no IPv6 presence: nothing for the firewall to pass, no row.
        if (v6 is not null && v6.Reason != Reason.DnsNoAddress)
        {
            results.Add(v6.Ok
                ? ProbeAddressesAsync(probe, target, Family.IPv6, v6, ct)
                : Task.FromResult(DnsFailure(target, Family.IPv6, v6)));
        }
        return await Task.WhenAll(results).ConfigureAwait(false);
    }

    /// <summary>
    /// A name behind a load balancer resolves to several addresses, any of which a device may
    /// get: the firewall must pass every one. Each (up to probe.maxAddresses) is probed; the
    /// family's row passes when all pass, else it carries the first failure and says how many failed.
    /// </summary>
    private async Task<ProbeResult> ProbeAddressesAsync(IProbe probe, Target target, Family family, DnsAnswer dns, CancellationToken ct)
    {
        var addresses = dns.Addresses.Distinct().Take(Math.Max(1, env.MaxAddresses)).ToList();
        var each = await Task.WhenAll(addresses.Select(a => ProbeOneAsync(probe, target, family, new IPEndPoint(a, target.Port), ct)))
            .ConfigureAwait(false);
        int skipped = dns.Addresses.Distinct().Count() - addresses.Count;
        string more = skipped > 0 ? $"; {skipped} more address(es) not probed (probe.maxAddresses)" : "";
        var failed = each.Where(r => !r.Pass).ToList();
        if (failed.Count == 0)
            return addresses.Count == 1 && skipped == 0 ? each[0] : each[0] with { Detail = $"{each[0].Detail} (all {addresses.Count} addresses pass{more})" };
        ProbeResult first = failed[0];
        return addresses.Count == 1 && skipped == 0
            ? first
            : first with { Detail = $"{failed.Count} of {addresses.Count} addresses fail; {first.Address}: {first.Detail}{more}" };
    }

    private async Task<DnsAnswer> ResolveAsync(string name, Family family, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(env.Timeout);
        long start = Stopwatch.GetTimestamp();
        try
        {
            var answer = await env.Resolver.ResolveAsync(name, family, cts.Token).ConfigureAwait(false);
            return answer with { LatencyMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new DnsAnswer(Reason.DnsTimeout, [], $"{name}: no answer in time") { LatencyMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds };
        }
    }

    private ProbeResult DnsFailure(Target target, Family family, DnsAnswer answer) =>
        new(target, family, null, false, answer.Reason, answer.Detail, Math.Round(answer.LatencyMs, 1), Weigh(target, family), env.Time.GetUtcNow());

    private async Task<ProbeResult> ProbeOneAsync(IProbe probe, Target target, Family family, IPEndPoint? endpoint, CancellationToken ct)
    {
        await _slots.WaitAsync(ct).ConfigureAwait(false);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(env.Timeout);
        long start = Stopwatch.GetTimestamp();
        ProbeOutcome outcome;
        try
        {
            outcome = await probe.ProbeAsync(new ProbeContext
            {
                Target = target,
                Family = family,
                Endpoint = endpoint,
                Environment = env,
                Timeout = cts.Token,
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            outcome = new ProbeOutcome(probe.TimeoutReason == Reason.Ok, probe.TimeoutReason,
                $"no answer within {env.Timeout.TotalMilliseconds:0} ms");
        }
        catch (SocketException e) when (endpoint is not null)
        {
            outcome = Connector.FromSocketError(e.SocketErrorCode, endpoint);
        }
        catch (IOException e) when (e.InnerException is SocketException se && endpoint is not null)
        {
            outcome = Connector.FromSocketError(se.SocketErrorCode, endpoint);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            outcome = ProbeOutcome.Fail(probe.ErrorReason, $"probe error: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            _slots.Release();
        }
        double ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        return new ProbeResult(target, family, endpoint?.ToString(), outcome.Pass, outcome.Reason, outcome.Detail,
            Math.Round(ms, 1), Weigh(target, family), env.Time.GetUtcNow())
        { Issuer = outcome.Issuer };
    }

    private Requirement Weigh(Target target, Family family) =>
        family == Family.IPv6 && env.Ipv6 == Ipv6Mode.Optional && target.Requirement == Requirement.Required
            ? Requirement.Optional
            : target.Requirement;

    private static Family FamilyOf(IPAddress a) =>
        a.AddressFamily == AddressFamily.InterNetworkV6 && !a.IsIPv4MappedToIPv6 ? Family.IPv6 : Family.IPv4;
}

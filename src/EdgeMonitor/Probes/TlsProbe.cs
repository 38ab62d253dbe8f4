using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Probes;

/// <summary>
/// kind tls: a TLS handshake with SNI = the target's name, the chain validated against the
/// system store plus tls.extraCaFile (for a vendor's public service only in a lab), optional
/// ALPN. A handshake with the real name that is reset, closed or silent right after the
/// ClientHello is tried with a neutral name to the same address: when that one completes, the
/// firewall filters by SNI (the Cisco RV34x content-filter case). A handshake that was
/// progressing when time ran out is slow, never filtered.
/// </summary>
public sealed class TlsProbe : IProbe
{
    /// <summary>.invalid never exists (RFC 2606), so no category or block list names it.</summary>
    internal const string NeutralSni = "example.invalid";

    public const string Name = "tls";
    public string Kind => Name;
    public Transport Transport => Transport.Tcp;
    public Reason TimeoutReason => Reason.TlsTimeout;
    public Reason ErrorReason => Reason.TlsProtocol;

    public IReadOnlyList<Reason> Reasons { get; } =
    [
        Reason.TlsUntrusted, Reason.TlsIntercepted, Reason.TlsSniFiltered, Reason.TlsExpired, Reason.TlsNameMismatch,
        Reason.TlsTimeout, Reason.TlsProtocol, Reason.TcpReset,
    ];

    public IReadOnlyList<string> Options { get; } = ["alpn"];

    private enum Ending { Completed, Stalled, Reset, Closed, Protocol }

    /// <summary>Facts of one handshake attempt; the verdict is made from them afterwards.</summary>
    private sealed class Attempt
    {
        public Ending Ending;
        public string Detail = "";
        public CertFacts? Cert;
        public SslApplicationProtocol Alpn;
        public SslProtocols Protocol;
        public ObservedStream? Observed;

        /// <summary>What the peer has sent so far: progress, read while the handshake runs.</summary>
        public long BytesRead => Observed?.BytesRead ?? 0;
    }

    /// <summary>The presented leaf and what chain building said about it.</summary>
    private sealed record CertFacts(
        string Subject, string Issuer, DateTime NotBefore, DateTime NotAfter, string Names,
        bool Anchored, string Anchor, X509ChainStatusFlags Flags, bool NameMismatch, bool Missing);

    public async Task<ProbeOutcome> ProbeAsync(ProbeContext ctx)
    {
        IPEndPoint endpoint = ctx.RequireEndpoint();
        long start = Stopwatch.GetTimestamp();
        var (socket, failure) = await Connector.ConnectAsync(endpoint, ctx.Timeout).ConfigureAwait(false);
        if (socket is null)
            return failure!;
        var trust = new Trust(ctx.Environment.TrustFor(ctx.Target), ctx.Environment.ChainVerdicts, ctx.Environment.Time);
        bool named = !IPAddress.TryParse(ctx.HostName, out _);

        // The real handshake may use the whole budget: a server still answering is slow, not a filter.
        // Only silence after the ClientHello for half the budget starts the neutral-name handshake
        // beside it, so a filter that drops silently is still told apart in time.
        var first = new Attempt();
        Task real = HandshakeAsync(first, socket, ctx.HostName, ctx.Target.Alpn, trust, ctx.Timeout);
        using var neutralStop = CancellationTokenSource.CreateLinkedTokenSource(ctx.Timeout);
        Task<bool>? neutral = null;
        TimeSpan half = ctx.Environment.Timeout / 2 - Stopwatch.GetElapsedTime(start);
        if (await Task.WhenAny(real, Task.Delay(half > TimeSpan.Zero ? half : TimeSpan.Zero, ctx.Timeout)).ConfigureAwait(false) != real
            && first.BytesRead == 0 && named)
        {
            neutral = NeutralCompletesAsync(endpoint, neutralStop.Token);
        }
        await real.ConfigureAwait(false);

        switch (first.Ending)
        {
            case Ending.Completed:
                await neutralStop.CancelAsync().ConfigureAwait(false);
                return Verdict(ctx, first);
            case Ending.Protocol:
                await neutralStop.CancelAsync().ConfigureAwait(false);
                return ctx.Target.Alpn is { } alpn
                    ? await WithoutAlpnAsync(ctx, endpoint, trust, alpn, first).ConfigureAwait(false)
                    : ProbeOutcome.Fail(Reason.TlsProtocol, $"{endpoint}: {first.Detail}");
            case Ending.Stalled when first.BytesRead > 0:
                await neutralStop.CancelAsync().ConfigureAwait(false);
                return ProbeOutcome.Fail(Reason.TlsTimeout,
                    $"{endpoint} was still answering the handshake ({first.BytesRead} bytes) when time ran out: slow, not filtered");
        }

        // Reset, closed or silent right after the ClientHello: does the same address complete a handshake for a neutral name?
        if (neutral is null && named && !ctx.Timeout.IsCancellationRequested)
            neutral = NeutralCompletesAsync(endpoint, neutralStop.Token);
        if (neutral is not null && await neutral.ConfigureAwait(false))
        {
            return ProbeOutcome.Fail(Reason.TlsSniFiltered,
                $"handshake for {ctx.HostName} {first.Detail}, but one for the neutral name {NeutralSni} completes on {endpoint}: filtered by SNI");
        }
        return first.Ending switch
        {
            Ending.Stalled => ProbeOutcome.Fail(Reason.TlsTimeout, $"{endpoint} accepted TCP but the handshake {first.Detail}"),
            Ending.Reset => ProbeOutcome.Fail(Reason.TcpReset, $"TLS handshake with {endpoint} {first.Detail}"),
            _ => ProbeOutcome.Fail(Reason.TlsProtocol, $"TLS handshake with {endpoint} {first.Detail}"),
        };
    }

    /// <summary>A handshake for <see cref="NeutralSni"/> on a fresh connection; any certificate will do, only completion matters.</summary>
    private static async Task<bool> NeutralCompletesAsync(IPEndPoint endpoint, CancellationToken ct)
    {
        var (socket, _) = await Connector.ConnectAsync(endpoint, ct).ConfigureAwait(false);
        if (socket is null)
            return false;
        var neutral = new Attempt();
        await HandshakeAsync(neutral, socket, NeutralSni, null, null, ct).ConfigureAwait(false);
        return neutral.Ending == Ending.Completed;
    }

    /// <summary>
    /// The handshake offering the device's ALPN was refused. Before blaming the protocol, find
    /// out what answered: the same handshake without ALPN shows the certificate. An inspecting
    /// proxy that cannot speak h2 is interception "and it refuses h2"; the real, trusted service
    /// refusing it is a protocol failure.
    /// </summary>
    private static async Task<ProbeOutcome> WithoutAlpnAsync(ProbeContext ctx, IPEndPoint endpoint, Trust trust, string alpn, Attempt refused)
    {
        var (socket, _) = await Connector.ConnectAsync(endpoint, ctx.Timeout).ConfigureAwait(false);
        var plain = new Attempt();
        if (socket is not null)
            await HandshakeAsync(plain, socket, ctx.HostName, null, trust, ctx.Timeout).ConfigureAwait(false);
        if (plain.Ending != Ending.Completed)
            return ProbeOutcome.Fail(Reason.TlsProtocol, $"{endpoint}: {refused.Detail}");
        ProbeOutcome what = Verdict(ctx, plain, checkAlpn: false);
        return what.Pass
            ? ProbeOutcome.Fail(Reason.TlsProtocol, $"{endpoint}: {refused.Detail}; without ALPN it completes ({what.Detail}): the service itself refuses {alpn}")
            : what with { Detail = $"{what.Detail}; and it refuses {alpn} ({refused.Detail})" };
    }

    private static ProbeOutcome Verdict(ProbeContext ctx, Attempt a, bool checkAlpn = true)
    {
        CertFacts? c = a.Cert;
        if (c is null || c.Missing)
            return ProbeOutcome.Fail(Reason.TlsProtocol, "server presented no certificate");

        DateTime now = ctx.Environment.Time.GetUtcNow().UtcDateTime;
        int days = (int)Math.Floor((c.NotAfter - now).TotalDays);
        string expiry = days >= 0 ? $"expires {c.NotAfter:yyyy-MM-dd} ({days} days)" : $"expired {c.NotAfter:yyyy-MM-dd}";
        string facts = $"issuer '{c.Issuer}', subject '{c.Subject}', {expiry}";
        string? wanted = checkAlpn ? ctx.Target.Alpn : null;
        string refuses = wanted is not null && a.Alpn.ToString() != wanted ? $"; and it refuses {wanted}" : "";

        if (!c.Anchored)
        {
            // A vendor's public service always chains to the public roots, which is all its devices
            // trust: a certificate naming the host under another issuer is a TLS-inspecting middlebox.
            if (ctx.Target.Public && !c.NameMismatch)
            {
                return ProbeOutcome.Fail(Reason.TlsIntercepted,
                    $"a certificate for {ctx.HostName} that does not chain to the public roots ({Describe(c.Flags)}): TLS inspection; "
                    + $"exempt these hosts from inspection, the devices trust only public roots: {facts}{refuses}")
                    with { Issuer = c.Issuer };
            }
            return ProbeOutcome.Fail(Reason.TlsUntrusted, $"chain not trusted ({Describe(c.Flags)}): {facts}{refuses}")
                with { Issuer = c.Issuer };
        }
        if ((c.Flags & X509ChainStatusFlags.NotTimeValid) != 0)
        {
            string why = c.NotAfter < now ? $"expired {Ago(now - c.NotAfter)} ago"
                : c.NotBefore > now ? $"not valid before {c.NotBefore:yyyy-MM-dd HH:mm}Z (is the clock right?)"
                : "a certificate in the chain is out of its validity period";
            return ProbeOutcome.Fail(Reason.TlsExpired, $"{why}: {facts}");
        }
        if (c.NameMismatch)
            return ProbeOutcome.Fail(Reason.TlsNameMismatch, $"certificate is for {c.Names}, not {ctx.HostName}: {facts}");

        string proto = a.Protocol switch { SslProtocols.Tls13 => "TLSv1.3", SslProtocols.Tls12 => "TLSv1.2", _ => a.Protocol.ToString() };
        if (wanted is not null && a.Alpn.ToString() != wanted)
        {
            string got = a.Alpn.Protocol.IsEmpty ? "none" : a.Alpn.ToString();
            return ProbeOutcome.Fail(Reason.TlsProtocol, $"server did not select ALPN {wanted} (selected: {got}); {proto}, {facts}");
        }
        string alpn = a.Alpn.Protocol.IsEmpty ? "" : $", ALPN {a.Alpn}";
        return ProbeOutcome.Ok($"{proto}{alpn}, trusted by {c.Anchor}: {facts}");
    }

    /// <summary>What a certificate is judged against: the extra anchors, the kept verdicts, the clock.</summary>
    private sealed record Trust(X509Certificate2Collection ExtraCas, ChainVerdicts Verdicts, TimeProvider Time);

    /// <summary>One connection, one handshake, its facts in <paramref name="attempt"/>; never throws for what the peer does. Owns and disposes the socket.</summary>
    /// <param name="trust">Null: do not judge the certificate at all (the neutral handshake).</param>
    private static async Task HandshakeAsync(Attempt attempt, Socket socket, string sni, string? alpn, Trust? trust, CancellationToken ct)
    {
        var observed = new ObservedStream(new NetworkStream(socket, ownsSocket: true));
        attempt.Observed = observed;
        await using var ssl = new SslStream(observed, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = sni,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            // No network traffic from chain building: no AIA downloads, no CRL/OCSP. The handshake's
            // own chain is anchored in the extra CAs alone, which is cheap; the system store is
            // consulted through ChainVerdicts, once per distinct chain.
            CertificateChainPolicy = new X509ChainPolicy
            {
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
                TrustMode = X509ChainTrustMode.CustomRootTrust,
            },
            // Accept everything during the handshake; the verdict is made from the facts captured here.
            RemoteCertificateValidationCallback = (_, cert, chain, errors) =>
            {
                if (trust is null)
                    return true;
                try
                {
                    attempt.Cert = Inspect(cert as X509Certificate2, chain, errors, trust);
                }
                catch (System.Security.Cryptography.CryptographicException)
                {
                    // A certificate chain building cannot even parse: not anchored anywhere.
                    attempt.Cert = cert is X509Certificate2 c
                        ? new CertFacts(c.Subject, c.Issuer, c.NotBefore.ToUniversalTime(), c.NotAfter.ToUniversalTime(), c.Subject,
                            false, "", X509ChainStatusFlags.PartialChain, false, Missing: false)
                        : null;
                }
                return true;
            },
        };
        if (trust is not null)
            options.CertificateChainPolicy.CustomTrustStore.AddRange(trust.ExtraCas);
        if (alpn is not null)
            options.ApplicationProtocols = [alpn == "h2" ? SslApplicationProtocol.Http2 : new SslApplicationProtocol(alpn)];
        try
        {
            await ssl.AuthenticateAsClientAsync(options, ct).ConfigureAwait(false);
            attempt.Ending = Ending.Completed;
            attempt.Alpn = ssl.NegotiatedApplicationProtocol;
            attempt.Protocol = ssl.SslProtocol;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            attempt.Ending = Ending.Stalled;
            attempt.Detail = observed.BytesRead == 0
                ? "got no TLS answer in time"
                : $"stalled mid-handshake after {observed.BytesRead} bytes";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever a hostile peer makes SslStream throw is a verdict, never a crash.
            (attempt.Ending, attempt.Detail) = observed switch
            {
                { SawReset: true } => (Ending.Reset, observed.BytesRead == 0
                    ? "was reset at the ClientHello"
                    : $"was reset mid-handshake after {observed.BytesRead} bytes"),
                { BytesRead: 0 } => (Ending.Closed, "was closed without a TLS answer"),
                _ => (Ending.Protocol, DescribeNonTls(observed.FirstBytes, alpn)),
            };
        }
    }

    private static CertFacts? Inspect(X509Certificate2? leaf, X509Chain? handshakeChain, SslPolicyErrors errors, Trust trust)
    {
        if (leaf is null || handshakeChain is null)
            return new CertFacts("", "", default, default, "", false, "", X509ChainStatusFlags.NoError, false, Missing: true);

        ChainVerdicts.Verdict v = trust.Verdicts.Judge(leaf, handshakeChain, trust.ExtraCas, trust.Time.GetUtcNow().UtcDateTime);
        return new CertFacts(leaf.Subject, leaf.Issuer, leaf.NotBefore.ToUniversalTime(), leaf.NotAfter.ToUniversalTime(),
            Names(leaf), v.Anchored, v.Anchor, v.Flags, (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0, Missing: false);
    }

    private static string Ago(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{(int)t.TotalDays} days" : t.TotalHours >= 1 ? $"{(int)t.TotalHours} hours" : $"{(int)t.TotalMinutes} minutes";

    private static string Describe(X509ChainStatusFlags f) =>
        (f & ~(X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation)).ToString();

    private static string Names(X509Certificate2 leaf)
    {
        foreach (X509Extension ext in leaf.Extensions)
        {
            if (ext is X509SubjectAlternativeNameExtension san)
            {
                string names = string.Join(", ", san.EnumerateDnsNames().Take(5));
                if (names.Length > 0)
                    return names;
            }
        }
        return leaf.Subject;
    }

    /// <summary>Names what came back instead of a ServerHello: a TLS alert, or the start of some other protocol.</summary>
    private static string DescribeNonTls(ReadOnlySpan<byte> first, string? alpn)
    {
        if (first.Length >= 7 && first[0] == 0x15 && first[1] == 0x03)
        {
            string alert = first[6] switch
            {
                40 => "handshake_failure",
                47 => "illegal_parameter",
                70 => "protocol_version",
                71 => "insufficient_security",
                80 => "internal_error",
                112 => "unrecognized_name",
                120 => "no_application_protocol",
                byte b => $"alert {b}",
            };
            return first[6] == 120 && alpn is not null
                ? $"the server does not speak ALPN {alpn}: it refused the handshake with a TLS alert ({alert})"
                : $"the server refused the handshake with a TLS alert ({alert})";
        }
        if (first.Length >= 1 && first[0] == 0x16)
            return "the server sent a TLS handshake the client could not complete";
        var sb = new StringBuilder("answered with something that is not TLS: '");
        foreach (byte b in first)
            sb.Append(b is >= 0x20 and < 0x7f ? (char)b : '.');
        return sb.Append('\'').ToString();
    }
}

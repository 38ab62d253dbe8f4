using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace EdgeMonitor.Probes;

/// <summary>
/// kind tls: a TLS handshake with SNI = the target's name, the chain validated against the
/// system store plus tls.extraCaFile, optional ALPN. A handshake with the real name that is
/// reset, closed or stalls is retried once with a neutral name to the same address: when that
/// one completes, the firewall filters by SNI (the Cisco RV34x content-filter case).
/// </summary>
public sealed class TlsProbe : IProbe
{
    /// <summary>.invalid never exists (RFC 2606), so no category or block list names it.</summary>
    internal const string NeutralSni = "example.invalid";

    public string Kind => "tls";
    public Transport Transport => Transport.Tcp;
    public Reason TimeoutReason => Reason.TlsTimeout;
    public Reason ErrorReason => Reason.TlsProtocol;

    private enum Ending { Completed, Stalled, Reset, Closed, Protocol }

    /// <summary>Facts of one handshake attempt; the verdict is made from them afterwards.</summary>
    private sealed class Attempt
    {
        public Ending Ending;
        public string Detail = "";
        public CertFacts? Cert;
        public SslApplicationProtocol Alpn;
        public SslProtocols Protocol;
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

        // The real handshake gets half the budget, so a stall leaves time for the neutral one.
        Attempt first;
        using (var phase = CancellationTokenSource.CreateLinkedTokenSource(ctx.Timeout))
        {
            TimeSpan left = ctx.Environment.Timeout / 2 - Stopwatch.GetElapsedTime(start);
            phase.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            first = await HandshakeAsync(socket, ctx.HostName, ctx.Target.Alpn, ctx.Environment.ExtraCas, phase.Token).ConfigureAwait(false);
        }

        switch (first.Ending)
        {
            case Ending.Completed:
                return Verdict(ctx, first);
            case Ending.Protocol:
                return ProbeOutcome.Fail(Reason.TlsProtocol, $"{endpoint}: {first.Detail}");
        }

        // Reset, closed or silent on the real name: does the same address complete a handshake for a neutral one?
        bool neutralCompletes = false;
        if (!ctx.Timeout.IsCancellationRequested && !IPAddress.TryParse(ctx.HostName, out _))
        {
            var (again, _) = await Connector.ConnectAsync(endpoint, ctx.Timeout).ConfigureAwait(false);
            if (again is not null)
            {
                // Any certificate will do here: only whether a handshake completes matters.
                Attempt neutral = await HandshakeAsync(again, NeutralSni, null, null, ctx.Timeout).ConfigureAwait(false);
                neutralCompletes = neutral.Ending == Ending.Completed;
            }
        }
        if (neutralCompletes)
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

    private static ProbeOutcome Verdict(ProbeContext ctx, Attempt a)
    {
        CertFacts? c = a.Cert;
        if (c is null || c.Missing)
            return ProbeOutcome.Fail(Reason.TlsProtocol, "server presented no certificate");

        DateTime now = ctx.Environment.Time.GetUtcNow().UtcDateTime;
        int days = (int)Math.Floor((c.NotAfter - now).TotalDays);
        string expiry = days >= 0 ? $"expires {c.NotAfter:yyyy-MM-dd} ({days} days)" : $"expired {c.NotAfter:yyyy-MM-dd}";
        string facts = $"issuer '{c.Issuer}', subject '{c.Subject}', {expiry}";

        if (!c.Anchored)
        {
            return ProbeOutcome.Fail(Reason.TlsUntrusted, $"chain not trusted ({Describe(c.Flags)}): {facts}")
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
        if (ctx.Target.Alpn is { } wanted && a.Alpn.ToString() != wanted)
        {
            string got = a.Alpn.Protocol.IsEmpty ? "none" : a.Alpn.ToString();
            return ProbeOutcome.Fail(Reason.TlsProtocol, $"server did not select ALPN {wanted} (selected: {got}); {proto}, {facts}");
        }
        string alpn = a.Alpn.Protocol.IsEmpty ? "" : $", ALPN {a.Alpn}";
        return ProbeOutcome.Ok($"{proto}{alpn}, trusted by {c.Anchor}: {facts}");
    }

    /// <summary>One connection, one handshake; never throws for what the peer does. Owns and disposes the socket.</summary>
    /// <param name="extraCas">Null: do not judge the certificate at all (the neutral handshake).</param>
    private static async Task<Attempt> HandshakeAsync(Socket socket, string sni, string? alpn, X509Certificate2Collection? extraCas, CancellationToken ct)
    {
        var attempt = new Attempt();
        var observed = new ObservedStream(new NetworkStream(socket, ownsSocket: true));
        await using var ssl = new SslStream(observed, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = sni,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            // No network traffic from chain building: no AIA downloads, no CRL/OCSP.
            CertificateChainPolicy = new X509ChainPolicy
            {
                RevocationMode = X509RevocationMode.NoCheck,
                DisableCertificateDownloads = true,
            },
            // Accept everything during the handshake; the verdict is made from the facts captured here.
            RemoteCertificateValidationCallback = (_, cert, chain, errors) =>
            {
                if (extraCas is null)
                    return true;
                try
                {
                    attempt.Cert = Inspect(cert as X509Certificate2, chain, errors, extraCas);
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
        return attempt;
    }

    private static CertFacts? Inspect(X509Certificate2? leaf, X509Chain? systemChain, SslPolicyErrors errors, X509Certificate2Collection extraCas)
    {
        if (leaf is null || systemChain is null)
            return new CertFacts("", "", default, default, "", false, "", X509ChainStatusFlags.NoError, false, Missing: true);

        X509ChainStatusFlags flags = Flags(systemChain);
        bool anchored = !HasTrustError(flags);
        string anchor = "the system store";
        if (!anchored && extraCas.Count > 0)
        {
            // System roots did not anchor it: try the extra CAs as the only trust anchors,
            // with whatever intermediates the server sent.
            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(extraCas);
            custom.ChainPolicy.ExtraStore.AddRange(systemChain.ChainPolicy.ExtraStore);
            foreach (X509ChainElement el in systemChain.ChainElements)
                custom.ChainPolicy.ExtraStore.Add(el.Certificate);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            custom.ChainPolicy.DisableCertificateDownloads = true;
            custom.Build(leaf);
            X509ChainStatusFlags customFlags = Flags(custom);
            if (!HasTrustError(customFlags))
            {
                anchored = true;
                flags = customFlags;
                anchor = "an extra CA";
            }
            foreach (X509ChainElement el in custom.ChainElements)
            {
                if (!ReferenceEquals(el.Certificate, leaf) && !extraCas.Contains(el.Certificate))
                    el.Certificate.Dispose();
            }
        }
        return new CertFacts(leaf.Subject, leaf.Issuer, leaf.NotBefore.ToUniversalTime(), leaf.NotAfter.ToUniversalTime(),
            Names(leaf), anchored, anchor, flags, (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0, Missing: false);
    }

    private static string Ago(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{(int)t.TotalDays} days" : t.TotalHours >= 1 ? $"{(int)t.TotalHours} hours" : $"{(int)t.TotalMinutes} minutes";

    private static X509ChainStatusFlags Flags(X509Chain chain)
    {
        X509ChainStatusFlags f = X509ChainStatusFlags.NoError;
        foreach (X509ChainStatus s in chain.ChainStatus)
            f |= s.Status;
        return f;
    }

    /// <summary>Anything but validity-period and revocation-lookup problems means the chain is not anchored in a trusted root.</summary>
    private static bool HasTrustError(X509ChainStatusFlags f) =>
        (f & ~(X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested
               | X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation)) != 0;

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

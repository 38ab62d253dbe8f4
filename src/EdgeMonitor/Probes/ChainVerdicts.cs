using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EdgeMonitor.Probes;

/// <summary>
/// What chain building said about one presented chain, kept for a while. On Linux .NET builds
/// every chain in a new OpenSSL store that it fills with the whole system trust store, root by
/// root (about 144 on Debian): that, not the handshake, was most of a TLS probe's CPU. A probe
/// shown the same leaf and intermediates again takes the kept verdict; any other certificate
/// (an interceptor's) is built afresh, so what the probe detects does not change. A verdict
/// lasts <see cref="Lifetime"/> (the runtime's own trust store reload interval) and never
/// outside the validity period of the certificates it covered.
/// </summary>
public sealed class ChainVerdicts
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>Far more distinct chains than a site's targets present; a full table starts over.</summary>
    private const int MaxEntries = 256;

    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _builds;

    /// <summary>Chains built against the system store so far (the cost this class saves).</summary>
    public int Builds => Volatile.Read(ref _builds);

    /// <param name="Anchor">What anchored it: "the system store" or "an extra CA"; empty when nothing did.</param>
    public readonly record struct Verdict(bool Anchored, string Anchor, X509ChainStatusFlags Flags);

    private readonly record struct Entry(Verdict Verdict, DateTime From, DateTime Until);

    /// <summary>
    /// The verdict on <paramref name="leaf"/> with the intermediates the server sent (the
    /// handshake chain's extra store). <paramref name="handshakeChain"/> was built by SslStream
    /// with the extra CAs as its only anchors; it decides when the system store does not anchor.
    /// </summary>
    public Verdict Judge(X509Certificate2 leaf, X509Chain handshakeChain, X509Certificate2Collection extraCas, DateTime utcNow)
    {
        string key = Key(leaf, handshakeChain.ChainPolicy.ExtraStore, extraCas);
        lock (_lock)
        {
            if (_entries.TryGetValue(key, out Entry kept) && kept.From <= utcNow && utcNow < kept.Until)
                return kept.Verdict;
        }

        Interlocked.Increment(ref _builds);
        using var system = new X509Chain();
        system.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        system.ChainPolicy.DisableCertificateDownloads = true;
        system.ChainPolicy.ExtraStore.AddRange(handshakeChain.ChainPolicy.ExtraStore);
        system.Build(leaf);

        X509ChainStatusFlags flags = Flags(system);
        (Verdict verdict, X509Chain decided) =
            !HasTrustError(flags) ? (new Verdict(true, "the system store", flags), system)
            : extraCas.Count > 0 && Flags(handshakeChain) is var custom && !HasTrustError(custom) ? (new Verdict(true, "an extra CA", custom), handshakeChain)
            : (new Verdict(false, "", flags), system);
        var (from, until) = Window(decided);
        foreach (X509ChainElement el in system.ChainElements)
        {
            if (!ReferenceEquals(el.Certificate, leaf))
                el.Certificate.Dispose();
        }

        // Only a verdict made inside every certificate's validity period is kept: it holds until one ends.
        if (from <= utcNow && utcNow < until && (verdict.Flags & X509ChainStatusFlags.NotTimeValid) == 0)
        {
            lock (_lock)
            {
                if (_entries.Count >= MaxEntries)
                    _entries.Clear();
                _entries[key] = new Entry(verdict, from, Min(until, utcNow + Lifetime));
            }
        }
        return verdict;
    }

    /// <summary>Anything but validity-period and revocation-lookup problems means the chain is not anchored in a trusted root.</summary>
    public static bool HasTrustError(X509ChainStatusFlags f) =>
        (f & ~(X509ChainStatusFlags.NotTimeValid | X509ChainStatusFlags.NotTimeNested
               | X509ChainStatusFlags.RevocationStatusUnknown | X509ChainStatusFlags.OfflineRevocation)) != 0;

    public static X509ChainStatusFlags Flags(X509Chain chain)
    {
        X509ChainStatusFlags f = X509ChainStatusFlags.NoError;
        foreach (X509ChainStatus s in chain.ChainStatus)
            f |= s.Status;
        return f;
    }

    /// <summary>When every certificate of the built chain is valid: latest start to earliest end.</summary>
    private static (DateTime From, DateTime Until) Window(X509Chain chain)
    {
        DateTime from = DateTime.MinValue, until = DateTime.MaxValue;
        foreach (X509ChainElement el in chain.ChainElements)
        {
            DateTime nb = el.Certificate.NotBefore.ToUniversalTime(), na = el.Certificate.NotAfter.ToUniversalTime();
            if (nb > from)
                from = nb;
            if (na < until)
                until = na;
        }
        return (from, until);
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    /// <summary>Everything the verdict depends on but the clock and the system store: the presented certificates and the extra anchors.</summary>
    private static string Key(X509Certificate2 leaf, X509Certificate2Collection sent, X509Certificate2Collection extraCas)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(leaf.RawDataMemory.Span);
        foreach (X509Certificate2 c in sent)
            hash.AppendData(c.RawDataMemory.Span);
        hash.AppendData("anchors"u8);
        foreach (X509Certificate2 c in extraCas)
            hash.AppendData(c.RawDataMemory.Span);
        return Convert.ToHexString(hash.GetCurrentHash());
    }
}

namespace EdgeMonitor.Hosting;

/// <summary>
/// .NET on Linux reloads the whole system trust store (/etc/ssl/certs, about 1 MB of OpenSSL
/// certificates) every 5 minutes and leaves the previous copy to the finalizer on purpose
/// (OpenSslCachedSystemStoreProvider: "The existing collections are not Disposed here,
/// intentionally"). That copy's handle has lived 5 minutes, so it sits in gen2, and this
/// daemon's small, steady managed heap almost never needs a gen2 collection: every reload
/// kept another megabyte of native heap alive (the soak showed an 0.8 MB step every 300 s).
/// A full collection every minute lets the finalizer free each orphaned copy within a minute
/// of the reload. A gen2 GC of this heap costs a few milliseconds.
/// </summary>
internal sealed class TrustStoreReclaim : IDisposable
{
    /// <summary>Well inside the runtime's 5-minute reload interval (s_assumeInvalidInterval), so an orphan lives a minute at most.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly Timer _timer = new(_ => Collect(), null, Interval, Interval);

    private static void Collect() => GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: false);

    public void Dispose() => _timer.Dispose();
}

namespace EdgeMonitor.Hosting;

/// <summary>
/// Gives memory back twice a minute; the daemon's steady managed heap never asks for it.
/// Three things kept pages that held nothing live (measured under scripts/bench.sh):
/// - .NET on Linux reloads the system trust store (/etc/ssl/certs, about 1 MB of OpenSSL
///   certificates) every 5 minutes and leaves the previous copy to the finalizer on purpose
///   (OpenSslCachedSystemStoreProvider). That handle sits in gen2, which this heap almost never
///   collects: every reload kept another megabyte (the soak's 0.8 MB step every 300 s).
/// - Gen2 after non-compacting collections: 3 MB committed for about 1 MB live.
/// - glibc keeps what OpenSSL frees inside its arenas.
/// An aggressive collection compacts and decommits, the finalizers free the orphaned stores,
/// malloc_trim hands the freed pages back: RssAnon under load went from 10.4 MB to 7.5 MB.
/// One such collection of this heap is a few milliseconds.
/// </summary>
internal sealed class MemoryReclaim : IDisposable
{
    /// <summary>Well inside the runtime's 5-minute trust store reload, and soon after start-up's garbage.</summary>
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly Timer _timer = new(_ => Reclaim(), null, Interval, Interval);

    private static void Reclaim()
    {
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        MallocArenas.Trim();
    }

    public void Dispose() => _timer.Dispose();
}

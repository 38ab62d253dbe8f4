using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Probes;

/// <summary>The one table from kind name to probe. Adding a kind is one line here and one file.</summary>
public static class ProbeKinds
{
    public static IReadOnlyList<IProbe> All { get; } =
    [
        new DnsProbe(),
        new TcpProbe(),
        new TlsProbe(),
        new HttpProbe(),
        new NtpProbe(),
        new SshProbe(),
        new BlockedProbe(),
        new IdleProbe(),
    ];

    public static IProbe? Find(string kind)
    {
        foreach (IProbe p in All)
        {
            if (p.Kind == kind)
                return p;
        }
        return null;
    }

    public static string Names => string.Join(", ", All.Select(p => p.Kind));

    /// <summary>The transport a kind speaks (every configured kind is registered: validation sees to it).</summary>
    public static Transport TransportOf(string kind) => Find(kind)?.Transport ?? Transport.Tcp;
}

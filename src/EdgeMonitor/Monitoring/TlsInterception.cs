using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Monitoring;

/// <summary>
/// A TLS-inspecting middlebox shows as one untrusted issuer signing certificates for unrelated
/// hosts. A single untrusted chain stays tls_untrusted; the same untrusted issuer seen for two
/// or more different registrable domains in one run turns every one of them tls_intercepted.
/// </summary>
public static class TlsInterception
{
    public static IReadOnlyList<ProbeResult> Reclassify(IReadOnlyList<ProbeResult> results)
    {
        var domainsByIssuer = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var r in results)
        {
            if (r.Reason == Reason.TlsUntrusted && r.Issuer is { } issuer)
            {
                if (!domainsByIssuer.TryGetValue(issuer, out var set))
                    domainsByIssuer[issuer] = set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
                set.Add(RegistrableDomain(r.Target.Host));
            }
        }
        if (!domainsByIssuer.Values.Any(s => s.Count >= 2))
            return results;
        return results.Select(r =>
            r.Reason == Reason.TlsUntrusted && r.Issuer is { } i && domainsByIssuer[i].Count >= 2
                ? r with
                {
                    Reason = Reason.TlsIntercepted,
                    Detail = $"{r.Detail}; issuer '{i}' also signs {domainsByIssuer[i].Count - 1} unrelated domain(s): TLS inspection",
                }
                : r).ToList();
    }

    /// <summary>The last two labels: good enough to call cloudtrax.com and docker.io unrelated.</summary>
    public static string RegistrableDomain(string host)
    {
        string[] labels = host.TrimEnd('.').Split('.');
        return labels.Length <= 2 ? host : $"{labels[^2]}.{labels[^1]}";
    }
}

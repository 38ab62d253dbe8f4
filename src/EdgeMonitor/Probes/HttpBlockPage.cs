using EdgeMonitor.Net;

namespace EdgeMonitor.Probes;

/// <summary>
/// Tells a firewall's block page from an origin's own error. The heuristic, in one place:
/// <list type="bullet">
/// <item>511 Network Authentication Required is always a middlebox (a captive portal): RFC 6585
/// section 6 says origin servers do not send it.</item>
/// <item>403 and 451 are blocks only when the headers or the first 16 KiB of the body carry a
/// marker below: filter wording or a filter vendor's name. A bare 403 from the origin (nginx's
/// own "403 Forbidden") passes: the firewall let the request through.</item>
/// <item>Any other status is an answer from the origin and never a block page here.</item>
/// </list>
/// "policy" alone is not a marker: origin error pages link their privacy policy; the phrases
/// that filters use ("security policy", "acceptable use") are.
/// </summary>
public static class HttpBlockPage
{
    /// <summary>Lower-case ASCII markers, searched in the lower-cased headers and body; the first hit is reported,
    /// so the specific ones (a vendor, a proxy header) come before the generic wording.</summary>
    private static readonly string[] Markers =
    [
        // Vendors' block pages and filtering proxies.
        "x-squid-error", "fortiguard", "fortinet", "fortigate", "sophos", "cisco", "umbrella", "opendns", "meraki",
        "watchguard", "palo alto", "paloalto", "pan-os", "zscaler", "barracuda", "sonicwall",
        "untangle", "pfblocker", "bluecoat", "blue coat", "websense", "forcepoint", "smoothwall",
        "netsweeper", "lightspeed", "squid",
        // Filter wording.
        "web page blocked", "page blocked", "site blocked", "blocked", "access denied", "web filter", "content filter",
        "url filter", "security policy", "acceptable use", "internet usage policy", "access policy",
        "category:", "err_access_denied",
    ];

    private static readonly byte[][] MarkerBytes = Markers.Select(m => System.Text.Encoding.ASCII.GetBytes(m)).ToArray();

    /// <summary>Whether the status can be a block page at all (the body is read only for these).</summary>
    public static bool IsCandidate(int status) => status is 403 or 451 or 511;

    /// <summary>
    /// The marker that makes this answer a block page, or null for an origin's answer.
    /// <paramref name="headAndBody"/> is lower-cased in place (ASCII only).
    /// </summary>
    public static string? Classify(int status, Span<byte> headAndBody)
    {
        if (status == 511)
            return "511 network authentication required (captive portal)";
        if (status is not (403 or 451))
            return null;
        foreach (ref byte b in headAndBody)
        {
            if (b is >= (byte)'A' and <= (byte)'Z')
                b = (byte)(b | 0x20);
        }
        for (int i = 0; i < MarkerBytes.Length; i++)
        {
            if (headAndBody.IndexOf(MarkerBytes[i]) >= 0)
                return Markers[i];
        }
        return null;
    }
}

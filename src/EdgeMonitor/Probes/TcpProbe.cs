using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Probes;

/// <summary>kind tcp: the firewall lets a TCP connection through to the address and port.</summary>
public sealed class TcpProbe : IProbe
{
    public const string Name = "tcp";
    public string Kind => Name;
    public Transport Transport => Transport.Tcp;
    public Reason TimeoutReason => Reason.TcpTimeout;
    public IReadOnlyList<Reason> Reasons => Connector.Reasons;

    public async Task<ProbeOutcome> ProbeAsync(ProbeContext context)
    {
        var endpoint = context.RequireEndpoint();
        var (socket, failure) = await Connector.ConnectAsync(endpoint, context.Timeout).ConfigureAwait(false);
        if (socket is null)
            return failure!;
        socket.Dispose();
        return ProbeOutcome.Ok($"connected to {endpoint}");
    }
}

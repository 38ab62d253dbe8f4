using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Probes;

/// <summary>
/// kind blocked: something that must NOT be reachable (the corporate LAN from a zero-trust
/// segment, a support tunnel a site blocks on purpose). Passes when the connection is refused,
/// dropped or unreachable; fails as <c>reachable</c> when it connects.
/// </summary>
public sealed class BlockedProbe : IProbe
{
    public const string Name = "blocked";
    public string Kind => Name;
    public Transport Transport => Transport.Tcp;
    public IReadOnlyList<Reason> Reasons { get; } = [Reason.Reachable];

    // Running out of time means nothing answered: that is the pass this kind wants.
    public Reason TimeoutReason => Reason.Ok;

    // A probe that cannot finish has not proved the block.
    public Reason ErrorReason => Reason.Reachable;

    public async Task<ProbeOutcome> ProbeAsync(ProbeContext context)
    {
        var endpoint = context.RequireEndpoint();
        var (socket, failure) = await Connector.ConnectAsync(endpoint, context.Timeout).ConfigureAwait(false);
        if (socket is null)
            return ProbeOutcome.Ok($"blocked as required: {failure!.Reason.ToCode()}");
        socket.Dispose();
        return ProbeOutcome.Fail(Reason.Reachable, $"{endpoint} accepted a connection but must be blocked");
    }
}

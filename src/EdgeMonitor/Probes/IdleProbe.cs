using System.Net.Sockets;
using System.Security.Cryptography;
using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Probes;

/// <summary>
/// kind idle: the firewall keeps a silent TCP connection alive for Target.IdleSeconds (CloudTrax
/// "Firewall Timeout": at least 600 s for the always-on Connection Keeper). Needs an
/// `edgemonitor echo-server` at the target. The probe proves the path with one echo, stays
/// silent, then sends a fresh nonce and expects it back: a state table that forgot the
/// connection drops it, resets it or lets it hang, and that is idle_cut.
/// Every verb runs this kind in its own lane with a time limit of IdleSeconds + probe timeout.
/// </summary>
public sealed class IdleProbe : IProbe
{
    public const string Name = "idle";
    public string Kind => Name;
    public Transport Transport => Transport.Tcp;
    public Reason TimeoutReason => Reason.TcpTimeout;

    // Each check holds a connection for idleSeconds (600 by default): four an hour is plenty.
    public TimeSpan? DefaultInterval => TimeSpan.FromSeconds(900);

    public TimeSpan? OwnLaneTime(Target target) => TimeSpan.FromSeconds(target.IdleSeconds);

    public IReadOnlyList<Reason> Reasons { get; } = [Reason.IdleCut, Reason.TcpTimeout];

    public IReadOnlyList<string> Options { get; } = ["idleSeconds"];

    public async Task<ProbeOutcome> ProbeAsync(ProbeContext context)
    {
        var endpoint = context.RequireEndpoint();
        TimeSpan idle = TimeSpan.FromSeconds(context.Target.IdleSeconds);
        // The share of the time limit that is not the silence: for the echoes.
        TimeSpan echoBudget = context.Environment.Timeout - idle;
        if (echoBudget < TimeSpan.FromMilliseconds(500))
        {
            return ProbeOutcome.Fail(Reason.TcpTimeout,
                $"an idle check of {idle.TotalSeconds:0} s does not fit the probe timeout; `edgemonitor run` gives it its own lane");
        }

        var (socket, failure) = await Connector.ConnectAsync(endpoint, context.Timeout).ConfigureAwait(false);
        if (socket is null)
            return failure!;
        using (socket)
        {
            byte[] buffer = new byte[64];
            string? first = await EchoAsync(socket, buffer, echoBudget, context.Timeout).ConfigureAwait(false);
            if (first is not null)
                return ProbeOutcome.Fail(Reason.TcpTimeout, $"{endpoint} does not echo ({first}): is `edgemonitor echo-server` running there?");

            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            await Task.Delay(idle, context.Timeout).ConfigureAwait(false);

            string? second = await EchoAsync(socket, buffer, echoBudget, context.Timeout).ConfigureAwait(false);
            double silent = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalSeconds;
            return second is null
                ? ProbeOutcome.Ok($"connection to {endpoint} survived {silent:0} s idle and still carries data both ways")
                : ProbeOutcome.Fail(Reason.IdleCut, $"connection to {endpoint} cut after {idle.TotalSeconds:0} s idle: {second}");
        }
    }

    /// <summary>Sends a fresh nonce and reads it back; null when it came back intact, else what went wrong.</summary>
    private static async Task<string?> EchoAsync(Socket socket, byte[] buffer, TimeSpan budget, CancellationToken outer)
    {
        byte[] nonce = new byte[33];
        RandomNumberGenerator.Fill(nonce.AsSpan(0, 32));
        for (int i = 0; i < 32; i++)
            nonce[i] = (byte)('a' + (nonce[i] & 15)); // printable: a line an operator can read in a capture
        nonce[32] = (byte)'\n';
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
        cts.CancelAfter(budget);
        try
        {
            await socket.SendAsync(nonce, SocketFlags.None, cts.Token).ConfigureAwait(false);
            int got = 0;
            while (got < nonce.Length)
            {
                int n = await socket.ReceiveAsync(buffer.AsMemory(got, nonce.Length - got), SocketFlags.None, cts.Token).ConfigureAwait(false);
                if (n == 0)
                    return "closed by the other side";
                got += n;
            }
            return buffer.AsSpan(0, nonce.Length).SequenceEqual(nonce) ? null : "echo did not match";
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            return $"no echo within {budget.TotalSeconds:0.#} s (silently dropped)";
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted
                ? "reset" : e.SocketErrorCode.ToString();
        }
    }
}

using System.Net.Sockets;

namespace EdgeMonitor.Net;

/// <summary>
/// A pass-through over a connected socket's stream that records what the peer did (bytes
/// received, clean close, reset), so a failed TLS handshake can be classified from facts
/// instead of exception messages (which UseSystemResourceKeys strips anyway).
/// </summary>
internal sealed class ObservedStream(NetworkStream inner) : Stream
{
    public long BytesRead { get; private set; }
    public bool SawEof { get; private set; }
    public bool SawReset { get; private set; }

    private readonly byte[] _first = new byte[16];
    private int _firstCount;

    /// <summary>The first bytes the peer sent (up to 16): enough to name a non-TLS answer or an alert.</summary>
    public ReadOnlySpan<byte> FirstBytes => _first.AsSpan(0, _firstCount);

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            return Observe(buffer.Span, n);
        }
        catch (IOException e) when (IsReset(e))
        {
            SawReset = true;
            throw;
        }
    }

    // The same facts on the synchronous path, without blocking on the asynchronous one.
    public override int Read(Span<byte> buffer)
    {
        try
        {
            return Observe(buffer, inner.Read(buffer));
        }
        catch (IOException e) when (IsReset(e))
        {
            SawReset = true;
            throw;
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            inner.Write(buffer);
        }
        catch (IOException e) when (IsReset(e))
        {
            SawReset = true;
            throw;
        }
    }

    /// <summary>Records what one read brought: the first bytes, the count, a clean close.</summary>
    private int Observe(ReadOnlySpan<byte> buffer, int n)
    {
        if (n == 0 && buffer.Length > 0)
            SawEof = true;
        if (_firstCount < _first.Length && n > 0)
        {
            int take = Math.Min(n, _first.Length - _firstCount);
            buffer[..take].CopyTo(_first.AsSpan(_firstCount));
            _firstCount += take;
        }
        BytesRead += n;
        return n;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        try
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e) when (IsReset(e))
        {
            SawReset = true;
            throw;
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            inner.Dispose();
        base.Dispose(disposing);
    }

    private static bool IsReset(IOException e) =>
        e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown };
}

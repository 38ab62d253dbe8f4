using EdgeMonitor.Interop;
using EdgeMonitor.Net;
using Microsoft.Win32.SafeHandles;

namespace EdgeMonitor.Configuration;

/// <summary>A file that is not a regular file, or is larger than its cap: refused before it is read in full.</summary>
public sealed class BoundedFileException(string message) : IOException(message);

/// <summary>
/// Every file EdgeMonitor reads from a path someone else chose (config, CA bundle, state files)
/// goes through here: a directory, FIFO, socket or device is refused by type, and nothing is
/// read past a size cap. Found in a trial: `--config /dev/zero` grew to 4 GB, a FIFO as a
/// file hung loading for ever.
/// </summary>
public static class BoundedFile
{
    public const long ConfigMaxBytes = 1024 * 1024;
    public const long CaMaxBytes = 1024 * 1024;
    public const long StateMaxBytes = 4 * 1024 * 1024;

    // Opened non-blocking so a FIFO without a writer cannot block the open(2) itself.
    // 04000 on every architecture .NET runs on Linux (x86, arm, arm64, riscv, ppc64le, s390x).
    private const int O_NONBLOCK = 0x800;

    public static string ReadAllText(string path, long maxBytes) => System.Text.Encoding.UTF8.GetString(ReadAllBytes(path, maxBytes));

    /// <summary>The whole file; <see cref="BoundedFileException"/> if it is not a regular file or is over <paramref name="maxBytes"/>.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes)
    {
        if (Directory.Exists(path))
            throw new BoundedFileException($"'{path}' is a directory, not a file");
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{path}' does not exist", path);
        using SafeFileHandle handle = Libc.Open(path, Libc.O_RDONLY | O_NONBLOCK | Libc.O_CLOEXEC);
        if (handle.IsInvalid)
            throw new IOException($"cannot open '{path}': {Libc.LastError()}");
        using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 0);
        // Pipes and sockets cannot seek; a device can but reports no size, caught below by reading more than it says.
        if (!stream.CanSeek)
            throw new BoundedFileException($"'{path}' is not a regular file (a pipe or socket)");
        long size = stream.Length;
        if (size > maxBytes)
            throw new BoundedFileException($"'{path}' is {size} bytes, more than the {maxBytes} allowed");
        var buffer = new byte[Math.Min(maxBytes + 1, size + 4096)];
        int total = 0;
        while (true)
        {
            if (total == buffer.Length)
            {
                if (buffer.Length > maxBytes)
                    break;
                Array.Resize(ref buffer, (int)Math.Min(maxBytes + 1, buffer.Length * 2L));
            }
            int n = stream.Read(buffer, total, buffer.Length - total);
            if (n <= 0)
                break;
            total += n;
        }
        if (total > maxBytes)
            throw new BoundedFileException($"'{path}' is larger than the {maxBytes} bytes allowed");
        if (total > size)
            throw new BoundedFileException($"'{path}' is not a regular file (a device)");
        return total == buffer.Length ? buffer : buffer[..total];
    }
}

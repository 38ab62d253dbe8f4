using System.Runtime.InteropServices;

namespace EdgeMonitor.Interop;

/// <summary>poll(2) and pipe2(2): the GPIO event thread sleeps on its lines and a wake-up pipe.</summary>
internal static unsafe partial class Libc
{
    public const short POLLIN = 0x1;

    /// <summary>struct pollfd</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short REvents;
    }

    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    public static partial int Poll(PollFd* fds, nuint count, int timeoutMs);

    [LibraryImport("libc", EntryPoint = "pipe2", SetLastError = true)]
    private static partial int Pipe2(int* fds, int flags);

    /// <summary>A close-on-exec pipe as two owned handles.</summary>
    public static (Microsoft.Win32.SafeHandles.SafeFileHandle Read, Microsoft.Win32.SafeHandles.SafeFileHandle Write) Pipe()
    {
        int* fds = stackalloc int[2];
        if (Pipe2(fds, O_CLOEXEC) < 0)
            throw new IOException($"pipe2: {LastError()}");
        return (Own(fds[0]), Own(fds[1]));
    }
}

using System.Runtime.InteropServices;

namespace EdgeMonitor.Indicators.Interop;

/// <summary>poll(2) and pipe2(2): the button thread sleeps on its line and a wake-up pipe.</summary>
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
    public static partial int Pipe2(int* fds, int flags);
}

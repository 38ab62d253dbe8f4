using System.Runtime.InteropServices;

namespace EdgeMonitor.Interop;

/// <summary>read(2) and write(2): edge events from a line request, the wake-up pipe.</summary>
internal static unsafe partial class Libc
{
    public const int EINTR = 4, EAGAIN = 11;

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    public static partial nint Read(SafeHandle fd, void* buffer, nuint count);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    public static partial nint Write(SafeHandle fd, void* buffer, nuint count);
}

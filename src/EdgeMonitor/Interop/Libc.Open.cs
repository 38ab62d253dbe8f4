using System.Runtime.InteropServices;

namespace EdgeMonitor.Interop;

/// <summary>open(2) and close(2) for character devices.</summary>
internal static partial class Libc
{
    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;
    public const int O_CLOEXEC = 0x80000; // 02000000: x86, arm, arm64, riscv

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenRaw(string path, int flags);

    /// <summary>open(2) as an owned handle (closed by its finalizer at the latest); invalid on failure, errno kept.</summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle Open(string path, int flags) => Own(OpenRaw(path, flags));

    /// <summary>A descriptor the kernel handed back (open, a line request, pipe2) as an owned handle.</summary>
    public static Microsoft.Win32.SafeHandles.SafeFileHandle Own(int fd) => new(fd, ownsHandle: true);

    public static string LastError() => Marshal.GetLastPInvokeErrorMessage();
}

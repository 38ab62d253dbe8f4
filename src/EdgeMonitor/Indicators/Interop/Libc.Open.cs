using System.Runtime.InteropServices;

namespace EdgeMonitor.Indicators.Interop;

/// <summary>open(2) and close(2) for character devices.</summary>
internal static partial class Libc
{
    public const int O_RDONLY = 0;
    public const int O_RDWR = 2;
    public const int O_CLOEXEC = 0x80000; // 02000000: x86, arm, arm64, riscv

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    public static string LastError() => Marshal.GetLastPInvokeErrorMessage();
}

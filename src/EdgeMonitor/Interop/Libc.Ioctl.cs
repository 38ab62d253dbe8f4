using System.Runtime.InteropServices;

namespace EdgeMonitor.Interop;

/// <summary>
/// ioctl(2) and the request encoding of &lt;asm-generic/ioctl.h&gt; (x86, arm, arm64, riscv;
/// mips and powerpc encode direction differently and are not supported).
/// </summary>
internal static unsafe partial class Libc
{
    // glibc declares `unsigned long request`, musl `int`: a native word carries both.
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(SafeHandle fd, nuint request, void* arg);

    private const int IocNrShift = 0, IocTypeShift = 8, IocSizeShift = 16, IocDirShift = 30;
    private const uint IocWrite = 1, IocRead = 2;

    private static nuint Ioc(uint dir, uint type, uint nr, int size) =>
        (nuint)((dir << IocDirShift) | ((uint)size << IocSizeShift) | (type << IocTypeShift) | (nr << IocNrShift));

    /// <summary>_IOR(type, nr, size)</summary>
    public static nuint IoR(uint type, uint nr, int size) => Ioc(IocRead, type, nr, size);

    /// <summary>_IOWR(type, nr, size)</summary>
    public static nuint IoWR(uint type, uint nr, int size) => Ioc(IocRead | IocWrite, type, nr, size);
}

using System.Runtime.InteropServices;

namespace EdgeMonitor.Hosting;

/// <summary>
/// glibc gives every thread that contends on malloc its own arena (up to 8 per core), each
/// holding freed memory back from the kernel: on a small board that is megabytes of RSS for
/// nothing. Two arenas are plenty for a daemon that mostly waits on sockets (the same as
/// MALLOC_ARENA_MAX=2, without depending on the unit file). musl has no mallopt: ignored.
/// </summary>
internal static partial class MallocArenas
{
    private const int M_ARENA_MAX = -8;

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int MallOpt(int param, int value);

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);

    /// <summary>Hands free pages inside every arena back to the kernel, not only the heap's top (glibc; nothing elsewhere).</summary>
    public static void Trim()
    {
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
        }
    }

    public static void Limit(int arenas = 2)
    {
        try
        {
            _ = MallOpt(M_ARENA_MAX, arenas);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
        }
    }
}

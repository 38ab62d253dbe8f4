using System.Runtime.InteropServices;

namespace EdgeMonitor.Interop;

/// <summary>signal(2), only to take back a signal inherited as ignored before .NET installs its handler.</summary>
internal static partial class Libc
{
    private const nint SIG_DFL = 0;

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial nint Signal(int signo, nint handler);

    /// <summary>
    /// .NET respects a signal that was ignored when a handler is registered (nohup, some shells
    /// and supervisors ignore SIGHUP): its PosixSignalRegistration then never fires. Call this
    /// right before registering a handler the program depends on.
    /// </summary>
    public static void RestoreDefaultDisposition(int signo) => _ = Signal(signo, SIG_DFL);
}

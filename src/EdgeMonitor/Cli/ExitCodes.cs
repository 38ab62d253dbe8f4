using EdgeMonitor.Net;

namespace EdgeMonitor.Cli;

/// <summary>Documented exit codes (README). 64 and 78 follow sysexits.h.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Degraded = 1;
    public const int Failing = 2;
    public const int Usage = 64;
    /// <summary>A runtime failure outside the checks (cannot bind, cannot write state).</summary>
    public const int Software = 70;
    public const int Config = 78;
}

using System.Net;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Fixtures;

/// <summary>A real OpenSSH sshd on a loopback port with a throwaway host key; it never lets anyone log in.</summary>
public sealed class SshServer : IDisposable
{
    public const string Sshd = "/usr/sbin/sshd";

    private readonly ServerProcess _process;

    public int Port { get; } = Ports.Free();

    public SshServer()
    {
        string dir = TempDir.Create("sshd");
        string key = Path.Combine(dir, "host_ed25519");
        Sh.Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key);
        string config = Path.Combine(dir, "sshd_config");
        File.WriteAllText(config, $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {key}
            PidFile {dir}/sshd.pid
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication no
            PermitRootLogin no
            AuthorizedKeysFile none
            StrictModes no
            LogLevel ERROR
            """);
        // sshd's privilege-separation directory (the package's tmpfiles.d makes it at boot).
        Directory.CreateDirectory("/run/sshd");
        // sshd re-executes itself, so it must be started by its absolute path.
        _process = ServerProcess.Start(Sshd, ["-D", "-e", "-f", config]);
        _process.WaitForTcp(new IPEndPoint(IPAddress.Loopback, Port));
    }

    public void Dispose() => _process.Dispose();
}

/// <summary>A test that needs root and sshd (openssh-server, which scripts/install-deps.sh installs).</summary>
[Xunit.Sdk.XunitTestCaseDiscoverer(EdgeMonitor.Tests.Infrastructure.RequiredUnderCiDiscoverer.TypeName, EdgeMonitor.Tests.Infrastructure.RequiredUnderCiDiscoverer.Assembly)]
public sealed class SshFactAttribute : FactAttribute
{
    public SshFactAttribute()
    {
        if (!Posix.IsRoot)
            Skip = "needs root to run sshd (privilege separation directory)";
        else if (!File.Exists(SshServer.Sshd) || RequiresFactAttribute.Which("ssh-keygen") is null)
            Skip = "needs openssh-server (scripts/install-deps.sh installs it)";
    }
}

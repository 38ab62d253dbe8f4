using System.Net;
using System.Net.Sockets;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Fixtures;

/// <summary>
/// A real dnsmasq on a free loopback port, configured only by its arguments (no resolv.conf,
/// no /etc/hosts, no upstream unless given), so it answers from seed records and never
/// forwards anything off the machine.
/// </summary>
public sealed class DnsmasqServer : IDisposable
{
    private readonly ServerProcess _process;

    public IPEndPoint Endpoint { get; }

    public string Output => _process.Output;

    private DnsmasqServer(ServerProcess process, IPEndPoint endpoint)
    {
        _process = process;
        Endpoint = endpoint;
    }

    /// <summary>Starts dnsmasq with these extra arguments and waits until it answers on UDP.</summary>
    public static DnsmasqServer Start(params string[] args)
    {
        int port = Ports.Free();
        string dnsmasq = RequiresFactAttribute.Which("dnsmasq") ?? throw new InvalidOperationException("dnsmasq not installed");
        var server = ServerProcess.Start(dnsmasq,
        [
            "--no-daemon", "--conf-file=/dev/null", $"--port={port}", "--listen-address=127.0.0.1", "--bind-interfaces",
            "--no-resolv", "--no-hosts", .. args,
        ]);
        var endpoint = new IPEndPoint(IPAddress.Loopback, port);
        try
        {
            server.WaitFor(() => Answers(endpoint), $"DNS answer on {endpoint}");
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return new DnsmasqServer(server, endpoint);
    }

    /// <summary>
    /// Starts dnsmasq on 127.0.0.1:53 inside a network namespace (as that namespace's resolver,
    /// see <see cref="SystemResolverNamespace"/>); ready when it logs that it started.
    /// </summary>
    public static DnsmasqServer StartInNamespace(NetNs ns, params string[] args)
    {
        string dnsmasq = RequiresFactAttribute.Which("dnsmasq") ?? throw new InvalidOperationException("dnsmasq not installed");
        var server = ServerProcess.Start("ip", ns.Wrap(
        [
            dnsmasq, "--no-daemon", "--conf-file=/dev/null", "--port=53", "--listen-address=127.0.0.1", "--bind-interfaces",
            "--no-resolv", "--no-hosts", .. args,
        ]));
        try
        {
            server.WaitFor(() => server.Output.Contains("started, version"), "dnsmasq start in namespace");
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return new DnsmasqServer(server, new IPEndPoint(IPAddress.Loopback, 53));
    }

    /// <summary>
    /// The lab: the seed name cloud_ap.cloudtrax.com with A 127.0.0.2 and AAAA ::1, a name with
    /// only an A record, a CNAME to the seed name, a name with 40 A records (too big for 512-byte
    /// UDP: TC, then TCP), and lab.test as a local-only zone so anything else in it is NXDOMAIN.
    /// Names outside every configured zone get REFUSED (no upstream).
    /// </summary>
    public static DnsmasqServer Lab()
    {
        string dir = TempDir.Create("dnsmasq");
        string big = Path.Combine(dir, "big.hosts");
        File.WriteAllLines(big, Enumerable.Range(1, 40).Select(i => $"127.0.1.{i} big.lab.test"));
        return Start(
            "--host-record=cloud_ap.cloudtrax.com,127.0.0.2,::1",
            "--host-record=onlya.lab.test,127.0.0.3",
            "--host-record=ntp.lab.test,127.0.0.1",
            "--cname=alias.lab.test,cloud_ap.cloudtrax.com",
            "--local=/lab.test/",
            $"--addn-hosts={big}");
    }

    /// <summary>Any datagram back to a query means it is up.</summary>
    private static bool Answers(IPEndPoint endpoint)
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 200 };
        byte[] q = new byte[DnsWire.MaxQueryLength];
        int n = ServerResolver.BuildQuery("ready.lab.test", DnsWire.TypeA, q, out _);
        try
        {
            s.SendTo(q.AsSpan(0, n), endpoint);
            return s.Receive(new byte[512]) > 0;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose() => _process.Dispose();
}

/// <summary>
/// A real dnsmasq that answers SERVFAIL: it validates DNSSEC (root trust anchor) and forwards to
/// a second dnsmasq that has the zone but no signatures, so validation fails and the validator
/// returns SERVFAIL for every name in it. Both on loopback.
/// </summary>
public sealed class DnsmasqServfail : IDisposable
{
    private readonly DnsmasqServer _upstream;
    private readonly DnsmasqServer _validator;

    public IPEndPoint Endpoint => _validator.Endpoint;

    public DnsmasqServfail()
    {
        _upstream = DnsmasqServer.Start("--host-record=x.servfail.test,127.0.0.9", "--local=/servfail.test/");
        try
        {
            _validator = DnsmasqServer.Start("--dnssec",
                // The IANA root KSK-2017 DS record: real, so the chain down to servfail.test must validate, and cannot.
                "--trust-anchor=.,20326,8,2,E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
                $"--server=127.0.0.1#{_upstream.Endpoint.Port}");
        }
        catch
        {
            _upstream.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        _validator.Dispose();
        _upstream.Dispose();
    }
}

/// <summary>
/// Gives a test namespace its own resolv.conf and hosts (the files `ip netns exec` bind-mounts
/// from /etc/netns/NAME/), pointing the system resolver at 127.0.0.1 inside it. Removed on dispose.
/// </summary>
public sealed class SystemResolverNamespace : IDisposable
{
    private readonly string _dir;

    public SystemResolverNamespace(NetNs ns)
    {
        _dir = Path.Combine("/etc/netns", ns.Name);
        Directory.CreateDirectory(_dir);
        File.WriteAllText(Path.Combine(_dir, "resolv.conf"), "nameserver 127.0.0.1\noptions timeout:1 attempts:1\n");
        File.WriteAllText(Path.Combine(_dir, "hosts"), "127.0.0.1 localhost\n::1 localhost\n");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

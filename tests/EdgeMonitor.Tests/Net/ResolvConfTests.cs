using System.Net;
using EdgeMonitor.Net;
using EdgeMonitor.Tests.Infrastructure;

namespace EdgeMonitor.Tests.Net;

public sealed class ResolvConfTests
{
    private static string Write(string text)
    {
        string path = Path.Combine(TempDir.Create("resolv"), "resolv.conf");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void First_nameserver_skips_comments_and_other_options_and_drops_a_scope()
    {
        string path = Write("# generated\r\nsearch lan\r\noptions edns0\r\nnameserver fe80::1%eth0\r\nnameserver 127.0.0.53\r\n");
        Assert.Equal(new IPEndPoint(IPAddress.Parse("fe80::1"), 53), ResolvConf.FirstNameserver(path));
    }

    [Fact]
    public void Missing_file_or_no_usable_line_is_no_nameserver()
    {
        Assert.Null(ResolvConf.FirstNameserver("/nonexistent/resolv.conf"));
        Assert.Null(ResolvConf.FirstNameserver(Write("nameserver not-an-address\nnameserver\n")));
    }

    [Fact]
    public void Only_the_first_64_KiB_are_read()
    {
        Assert.Null(ResolvConf.FirstNameserver(Write(new string('#', 70 * 1024) + "\nnameserver 127.0.0.1\n")));
        Assert.NotNull(ResolvConf.FirstNameserver(Write(new string('#', 60 * 1024) + "\nnameserver 127.0.0.1\n")));
    }
}

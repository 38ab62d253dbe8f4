using System.Text;
using EdgeMonitor.Model;
using EdgeMonitor.Net;
using EdgeMonitor.Probes;
using EdgeMonitor.Tests.Fixtures;
using static EdgeMonitor.Tests.Fixtures.TlsHttpNginx;

namespace EdgeMonitor.Tests.Probes;

/// <summary>The http probe against a real nginx (origin answers, redirects, block pages) and real hostile sockets.</summary>
[Collection(TlsHttpNginx.Collection)]
public sealed class HttpProbeTests(TlsHttpNginx nginx)
{
    private const string Checkin = "checkin.cloudtrax.com";

    private static async Task<ProbeResult> ProbeAsync(int port, string path = "/", string host = Checkin, int timeoutMs = 3000)
    {
        var runner = Runner(Map((host, port)), timeoutMs: timeoutMs);
        return Assert.Single(await runner.RunAsync(Target("http", host, 80, path: path), default));
    }

    [Theory]
    [InlineData("/", "200 OK")]
    [InlineData("/no-such-page", "404 Not Found")]
    [InlineData("/forbidden", "403 Forbidden")]
    [InlineData("/server-error", "503 Service")]
    public async Task Any_answer_from_the_origin_passes(string path, string status)
    {
        var r = await ProbeAsync(nginx.Http, path);
        Assert.True(r.Pass, r.Detail);
        Assert.Equal(Reason.Ok, r.Reason);
        Assert.Contains($"HTTP/1.1 {status}", r.Detail);
    }

    [Theory]
    [InlineData("/to-https", "https://checkin.cloudtrax.com/")]
    [InlineData("/relative", "/elsewhere")]
    public async Task Redirect_within_the_same_host_passes(string path, string location)
    {
        var r = await ProbeAsync(nginx.Http, path);
        Assert.True(r.Pass, r.Detail);
        Assert.Contains(location, r.Detail);
    }

    [Fact]
    public async Task Redirect_to_another_host_is_http_redirected()
    {
        var r = await ProbeAsync(nginx.Http, "/to-other-host");
        Assert.Equal(Reason.HttpRedirected, r.Reason);
        Assert.Contains("http://blockpage.firewall.example/block?url=checkin.cloudtrax.com/to-other-host", r.Detail);
    }

    [Theory]
    [InlineData("/block-page", "fortiguard")]
    [InlineData("/generic-block", "blocked")]
    [InlineData("/squid", "x-squid-error")]
    [InlineData("/captive", "captive portal")]
    public async Task Block_pages_are_http_blocked(string path, string marker)
    {
        var r = await ProbeAsync(nginx.Http, path);
        Assert.Equal(Reason.HttpBlocked, r.Reason);
        Assert.Contains(marker, r.Detail);
    }

    [Fact]
    public async Task Listener_that_never_answers_is_http_timeout()
    {
        using var silent = HttpRawListener.Silent();
        var r = await ProbeAsync(silent.Port, timeoutMs: 800);
        Assert.Equal(Reason.HttpTimeout, r.Reason);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("endless-headers")]
    [InlineData("bad-status")]
    [InlineData("closed")]
    public async Task Hostile_answers_are_http_bad_response(string kind)
    {
        byte[] answer = kind switch
        {
            "garbage" => [0x16, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28, 0xff, 0x00],
            "truncated" => "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Le"u8.ToArray(),
            // Never-ending headers on a connection held open: the reader stops at its cap.
            "endless-headers" => Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Repeat("X-Pad: " + new string('a', 100) + "\r\n", 400))),
            "bad-status" => "HTTP/1.1 2OO OK\r\n\r\n"u8.ToArray(),
            _ => [],
        };
        using var server = HttpRawListener.Answer(answer, close: kind != "endless-headers");
        var r = await ProbeAsync(server.Port);
        Assert.Equal(Reason.HttpBadResponse, r.Reason);
        Assert.Contains(kind switch
        {
            "garbage" => "not HTTP",
            "truncated" => "truncated",
            "endless-headers" => "more than 16 KiB of headers",
            "bad-status" => "malformed status line",
            _ => "without an answer",
        }, r.Detail);
    }

    [Fact]
    public async Task Interim_answer_is_skipped_for_the_final_one()
    {
        using var server = HttpRawListener.Answer("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 302 Found\r\nLocation: http://login.hotspot.example/\r\n\r\n"u8.ToArray());
        var r = await ProbeAsync(server.Port);
        Assert.Equal(Reason.HttpRedirected, r.Reason);
        Assert.Contains("login.hotspot.example", r.Detail);
    }

    [Fact]
    public async Task Reset_after_the_request_is_tcp_reset()
    {
        using var reset = HttpRawListener.Reset();
        var r = await ProbeAsync(reset.Port);
        Assert.Equal(Reason.TcpReset, r.Reason);
    }

    [Fact]
    public async Task Request_carries_the_target_name_as_host_and_the_path()
    {
        // nginx's $host/$request_uri echo back through the cross-host redirect's Location.
        var r = await ProbeAsync(nginx.Http, "/to-other-host?q=a b", host: "connkeeper.cloudtrax.com");
        Assert.Contains("url=connkeeper.cloudtrax.com/to-other-host?q=a%20b", r.Detail);
    }
}

/// <summary>The pure parts of the http probe: header search, Location hosts, the block-page heuristic.</summary>
public sealed class HttpParsingTests
{
    [Theory]
    [InlineData("http://other.example/x", "other.example")]
    [InlineData("https://Checkin.CloudTrax.com:8443/x?y", "Checkin.CloudTrax.com")]
    [InlineData("//cdn.example/x", "cdn.example")]
    [InlineData("http://user@[2001:db8::1]:80/", "2001:db8::1")]
    [InlineData("/relative/path", null)]
    [InlineData("page.html?next=http://x", null)]
    public void Location_host(string location, string? host) => Assert.Equal(host, HttpProbe.LocationHost(location));

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n", 200)]
    [InlineData("HTTP/1.0 404\r\n\r\n", 404)]
    [InlineData("HTTP/2 200\r\n\r\n", -1)]
    [InlineData("ICY 200 OK\r\n\r\n", -1)]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n", -1)]
    public void Status_line(string head, int status)
    {
        bool ok = HttpProbe.TryParseStatus(Encoding.ASCII.GetBytes(head), out int s);
        Assert.Equal(status, ok ? s : -1);
    }

    [Fact]
    public void Header_lookup_is_case_insensitive_and_exact()
    {
        byte[] head = "HTTP/1.1 302 Found\r\nX-Location: no\r\nLOCATION:  http://a.example/ \r\n\r\n"u8.ToArray();
        Assert.Equal("http://a.example/", Encoding.ASCII.GetString(HttpProbe.Header(head, "location"u8)));
        Assert.True(HttpProbe.Header(head, "content-length"u8).IsEmpty);
    }

    [Theory]
    [InlineData(403, "<h1>403 Forbidden</h1><hr><center>nginx</center> <a href=/privacy>Privacy policy</a>", null)]
    [InlineData(403, "Sophos Web Appliance: this site is not allowed", "sophos")]
    [InlineData(451, "Access Denied by your administrator", "access denied")]
    [InlineData(200, "This page is BLOCKED", null)]
    [InlineData(404, "FortiGuard", null)]
    public void Block_page_heuristic(int status, string page, string? marker) =>
        Assert.Equal(marker, HttpBlockPage.Classify(status, Encoding.ASCII.GetBytes(page)));

    [Fact]
    public void Request_does_not_overflow_its_buffer()
    {
        byte[] small = new byte[64];
        Assert.Equal(-1, HttpProbe.WriteRequest(small, "checkin.cloudtrax.com", 80, "/" + new string('a', 100)));
        byte[] big = new byte[1024];
        int n = HttpProbe.WriteRequest(big, "::1", 8080, "x y");
        Assert.StartsWith("GET /x%20y HTTP/1.1\r\nHost: [::1]:8080\r\n", Encoding.ASCII.GetString(big, 0, n));
    }
}

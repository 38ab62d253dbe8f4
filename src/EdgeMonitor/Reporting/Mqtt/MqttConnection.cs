using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using EdgeMonitor.Configuration;
using EdgeMonitor.Model;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>
/// One MQTTnet client for one connection attempt and the connection it makes. It never
/// reconnects by itself: it reports <see cref="ConnectedInput"/> or <see cref="LostInput"/> (once)
/// and the reporter replaces it after its backoff. While connected it pings every half keepalive
/// and gives up on a ping unanswered for another half, so a silently dead connection is noticed
/// within one keepalive (the broker's own limit is 1.5 x).
/// </summary>
internal sealed class MqttConnection : IAsyncDisposable
{
    private readonly MqttSettings _settings;
    private readonly ChannelWriter<MqttInput> _inputs;
    private readonly IMqttClient _client;
    private readonly CancellationTokenSource _life = new();
    private int _lost;

    private MqttConnection(MqttSettings settings, ChannelWriter<MqttInput> inputs, long generation)
    {
        _settings = settings;
        _inputs = inputs;
        Generation = generation;
        _client = new MqttClientFactory(MqttNetNullLogger.Instance, new TcpOnlyAdapterFactory()).CreateMqttClient();
        _client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
                Lost(e.Exception is { } x ? $"connection lost: {Describe(x)}" : $"connection closed ({e.Reason})");
            return Task.CompletedTask;
        };
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            long length = m.Payload.Length;
            byte[]? payload = length <= MqttCommands.MaxPayload ? m.Payload.ToArray() : null;
            _inputs.TryWrite(new CommandInput(Generation, m.Topic, payload, length, m.Retain));
            return Task.CompletedTask;
        };
    }

    public long Generation { get; }

    /// <summary>Starts connecting in the background; the outcome arrives as an input.</summary>
    public static MqttConnection Start(MqttSettings settings, ChannelWriter<MqttInput> inputs, long generation)
    {
        var c = new MqttConnection(settings, inputs, generation);
        _ = c.RunAsync();
        return c;
    }

    private async Task RunAsync()
    {
        try
        {
            var result = await _client.ConnectAsync(Options(_settings), _life.Token).ConfigureAwait(false);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                Lost($"connection refused: {result.ResultCode}");
                return;
            }
            var subscribe = new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(_settings.Topics.Command, MqttQualityOfServiceLevel.AtLeastOnce).Build();
            await _client.SubscribeAsync(subscribe, _life.Token).ConfigureAwait(false);
            _inputs.TryWrite(new ConnectedInput(Generation));
            await KeepAliveAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_life.IsCancellationRequested)
        {
        }
        catch (MqttConnectingFailedException e)
        {
            Lost($"connection refused: {e.Message}");
        }
        catch (Exception e)
        {
            Lost(Describe(e));
        }
    }

    private async Task KeepAliveAsync()
    {
        var half = TimeSpan.FromSeconds(_settings.KeepAliveSeconds / 2.0);
        while (!_life.IsCancellationRequested)
        {
            await Task.Delay(half, _life.Token).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_life.Token);
            timeout.CancelAfter(half);
            try
            {
                await _client.PingAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (!_life.IsCancellationRequested)
            {
                Lost(e is OperationCanceledException or MqttCommunicationTimedOutException
                    ? $"the broker did not answer a ping within {half.TotalSeconds:0.#} s: the connection is dead"
                    : $"ping failed: {Describe(e)}");
                return;
            }
        }
    }

    /// <summary>Reports the loss once; later reports of the same connection add nothing.</summary>
    private void Lost(string reason)
    {
        if (Interlocked.Exchange(ref _lost, 1) == 0)
            _inputs.TryWrite(new LostInput(Generation, reason));
    }

    /// <summary>
    /// A QoS 1 publish, in call order (MQTTnet sends one packet at a time, first come first
    /// served); true once the broker acknowledged it. An event's PUBACK also comes back as
    /// <see cref="DeliveredInput"/>. A failure is reported as the connection's loss; whatever
    /// was not acknowledged is sent again on the next connection.
    /// </summary>
    public Task<bool> Publish(string topic, byte[] payload, bool retain, long? eventSeq = null) =>
        PublishAsync(topic, payload, retain, eventSeq, _life.Token);

    private async Task<bool> PublishAsync(string topic, byte[] payload, bool retain, long? eventSeq, CancellationToken cancel)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        try
        {
            var result = await _client.PublishAsync(message, cancel).ConfigureAwait(false);
            if (eventSeq is long seq && result.IsSuccess)
                _inputs.TryWrite(new DeliveredInput(Generation, seq));
            return result.IsSuccess;
        }
        catch (Exception e) when (!cancel.IsCancellationRequested)
        {
            Lost($"publish failed: {Describe(e)}");
            return false;
        }
        catch (Exception)
        {
            // Closing: what was not acknowledged stays to be sent again.
            return false;
        }
    }

    /// <summary>Publishes and waits for the PUBACK, at most until <paramref name="by"/> is cancelled.</summary>
    public Task<bool> PublishAndWaitAsync(string topic, byte[] payload, bool retain, CancellationToken by) =>
        PublishAsync(topic, payload, retain, null, by);

    /// <summary>A clean DISCONNECT (no last will) if still connected, at most 200 ms; then the client is gone.</summary>
    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _lost, 1);
        if (_client.IsConnected)
        {
            using var quick = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            try
            {
                await _client.DisconnectAsync(new MqttClientDisconnectOptions(), quick.Token).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Going anyway.
            }
        }
        await _life.CancelAsync().ConfigureAwait(false);
        _client.Dispose();
        _life.Dispose();
    }

    private static MqttClientOptions Options(MqttSettings s)
    {
        var b = new MqttClientOptionsBuilder()
            .WithTcpServer(s.Host, s.Port)
            .WithClientId(s.ClientId)
            .WithCleanSession(true)
            .WithProtocolVersion(s.Protocol)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(s.KeepAliveSeconds))
            // Connect, subscribe and ping each get this long; a dark broker costs one attempt's wait.
            .WithTimeout(TimeSpan.FromSeconds(Math.Clamp(s.KeepAliveSeconds / 2.0, 2, 10)))
            .WithWillTopic(s.Topics.Availability)
            .WithWillPayload(MqttPayloads.Offline)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain(true);
        if (s.Credentials is { } login)
            b = b.WithCredentials(login.User, login.Password);
        if (s.Tls is { } tls)
            b = b.WithTlsOptions(o => Tls(o, tls));
        return b.Build();
    }

    /// <summary>The files are read at each connect (a renewed certificate is picked up), each through <see cref="BoundedFile"/>.</summary>
    private static void Tls(MqttClientTlsOptionsBuilder o, MqttTls tls)
    {
        o.UseTls(true).WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13);
        if (tls.CertFile is { } cert && tls.KeyFile is { } key)
            o.WithClientCertificates([X509Certificate2.CreateFromPem(Pem(cert), Pem(key))]);
        X509Certificate2Collection? anchors = null;
        if (tls.CaFile is { } ca)
        {
            anchors = [];
            anchors.ImportFromPem(Pem(ca));
        }
        o.WithCertificateValidationHandler(e => !tls.Verify || Verified(e.Certificate, e.SslPolicyErrors, anchors));
    }

    private static string Pem(string path) => BoundedFile.ReadAllText(path, BoundedFile.CaMaxBytes);

    /// <summary>The system store, or only the configured CA when there is one; the name must match either way.</summary>
    private static bool Verified(X509Certificate certificate, SslPolicyErrors errors, X509Certificate2Collection? anchors)
    {
        if (anchors is null || errors == SslPolicyErrors.None)
            return errors == SslPolicyErrors.None;
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(anchors);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }

    /// <summary>What went wrong in words a NOC can act on (the innermost socket or TLS error).</summary>
    public static string Describe(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is SocketException s)
                return s.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "connection refused (nothing listening)",
                    SocketError.TimedOut => "connect timed out",
                    SocketError.HostNotFound or SocketError.NoData => "host name not found",
                    SocketError.ConnectionReset => "connection reset by the broker",
                    _ => s.Message,
                };
            if (x is AuthenticationException a)
                return $"TLS handshake failed: {a.Message}";
        }
        return e switch
        {
            MqttCommunicationTimedOutException => "no answer from the broker in time",
            OperationCanceledException => "no answer from the broker in time",
            _ => (e.InnerException ?? e).Message,
        };
    }
}

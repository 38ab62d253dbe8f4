using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;

namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>
/// MQTTnet's own adapter factory minus its WebSocket branch: MQTT here is TCP (plain or TLS)
/// only, and that branch alone drags ClientWebSocket, and with it the whole HTTP client stack,
/// into the native binary (about 0.7 MB; README "Footprint").
/// </summary>
internal sealed class TcpOnlyAdapterFactory : IMqttClientAdapterFactory
{
    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        if (options.ChannelOptions is not MqttClientTcpOptions)
            throw new NotSupportedException("MQTT over TCP only");
        var formatter = new MqttPacketFormatterAdapter(options.ProtocolVersion,
            new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
        return new MqttChannelAdapter(new MqttTcpChannel(options), formatter, logger)
        {
            AllowPacketFragmentation = options.AllowPacketFragmentation,
            PacketInspector = packetInspector,
        };
    }
}

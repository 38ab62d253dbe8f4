using EdgeMonitor.Configuration;

namespace EdgeMonitor.Tests.Reporting;

/// <summary>The mqtt section's validation: each bad value names its JSON path.</summary>
public sealed class MqttConfigTests
{
    [Theory]
    [InlineData("""{ "mqtt": { "topicPrefix": "edge/+/x" } }""", "$.mqtt.topicPrefix")]
    [InlineData("""{ "mqtt": { "topicPrefix": "a/#" } }""", "$.mqtt.topicPrefix")]
    [InlineData("""{ "mqtt": { "discoveryPrefix": "" } }""", "$.mqtt.discoveryPrefix")]
    [InlineData("""{ "mqtt": { "protocol": "3.1" } }""", "$.mqtt.protocol")]
    [InlineData("""{ "mqtt": { "spoolMaxEvents": 0 } }""", "$.mqtt.spoolMaxEvents")]
    [InlineData("""{ "mqtt": { "spoolMaxBytes": 10 } }""", "$.mqtt.spoolMaxBytes")]
    [InlineData("""{ "mqtt": { "reconnectMaxSeconds": 0 } }""", "$.mqtt.reconnectMaxSeconds")]
    [InlineData("""{ "mqtt": { "host": " " } }""", "$.mqtt.host")]
    [InlineData("""{ "mqtt": { "enabled": true, "tls": { "caFile": "/nonexistent/ca.pem" } } }""", "$.mqtt.tls.caFile")]
    [InlineData("""{ "mqtt": { "enabled": true, "credentialsFile": "/nonexistent/creds" } }""", "$.mqtt.credentialsFile")]
    public void Bad_mqtt_settings_are_config_errors_with_their_path(string json, string path)
    {
        var config = ConfigLoader.Parse(json, "test.json");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Validate(config, "test.json"));
        Assert.Equal(path, e.JsonPath);
    }
}

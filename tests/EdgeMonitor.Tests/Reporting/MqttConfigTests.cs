using EdgeMonitor.Cli;
using EdgeMonitor.Configuration;
using EdgeMonitor.Reporting.Mqtt;

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
        // As every verb loads: the command line hands the mqtt rules to the loader with the other outputs'.
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Validate(ConfigLoader.Parse(json, "test.json"), "test.json", ConfigOption.Outputs));
        Assert.Equal(path, Assert.Single(e.Errors).Path);
    }

    [Fact]
    public void The_protocol_is_read_by_its_names_only()
    {
        Assert.Equal(MqttVersion.V5, ConfigLoader.Parse("""{ "mqtt": { "protocol": "5" } }""", "t.json").Mqtt.Protocol);
        Assert.Equal(MqttVersion.V311, ConfigLoader.Parse("""{ "mqtt": { "protocol": "3.1.1" } }""", "t.json").Mqtt.Protocol);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("""{ "mqtt": { "protocol": 5 } }""", "t.json"));
        Assert.Equal(("$.mqtt.protocol", "must be 3.1.1 or 5, not the number 5"), (e.JsonPath, e.Errors[0].Message));
    }

    [Fact]
    public void Every_bad_mqtt_key_is_reported_at_once_and_mqtt_test_checks_the_files_it_turns_on()
    {
        string json = """
            { "mqtt": { "port": 0, "keepAliveSeconds": 1, "topicPrefix": "a/+", "clientId": "",
                        "tls": { "caFile": "/nonexistent/ca.pem" } } }
            """;
        var config = ConfigLoader.Parse(json, "t.json");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Validate(config, "t.json", ConfigOption.Outputs));
        // MQTT is off (no host): its files are not looked at.
        Assert.Equal(["$.mqtt.port", "$.mqtt.keepAliveSeconds", "$.mqtt.topicPrefix", "$.mqtt.clientId"], e.Errors.Select(x => x.Path));

        config.Mqtt.Enabled = true;
        e = Assert.Throws<ConfigException>(() => ConfigLoader.Validate(config, "t.json", ConfigOption.Outputs));
        Assert.Equal("$.mqtt.tls.caFile", e.Errors[^1].Path);
        Assert.Equal(5, e.Errors.Count);
    }

    [Theory]
    [InlineData("""{ }""", false)]
    [InlineData("""{ "mqtt": { "port": 1884 } }""", false)]
    [InlineData("""{ "mqtt": { "host": "broker.lan" } }""", true)]
    [InlineData("""{ "mqtt": { "host": "broker.lan", "enabled": false } }""", false)]
    [InlineData("""{ "mqtt": { "enabled": true } }""", true)]
    public void Mqtt_is_on_when_a_host_is_set_unless_enabled_says_false(string json, bool on)
    {
        var config = ConfigLoader.Parse(json, "test.json");
        Assert.Equal(on, MqttSection.IsOn(config.Mqtt));
    }

    [Fact]
    public void Credentials_never_show_the_password()
    {
        string dir = Infrastructure.TempDir.Create("creds");
        string file = Path.Combine(dir, "creds");
        File.WriteAllText(file, "edge\ns3cret-pass\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var config = new MqttConfig { Host = "127.0.0.1", CredentialsFile = file };
        var settings = MqttSettings.From(config, "lab", "box1");
        Assert.Equal("s3cret-pass", settings.Credentials!.Password);
        Assert.DoesNotContain("s3cret-pass", settings.ToString());
        Assert.DoesNotContain("s3cret-pass", settings.Credentials.ToString());
        Assert.Contains("edge", settings.Credentials.ToString());
    }

    [Fact]
    public void A_credentials_symlink_is_refused_not_followed()
    {
        string dir = Infrastructure.TempDir.Create("creds");
        string file = Path.Combine(dir, "creds");
        File.WriteAllText(file, "edge\npass\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        string link = Path.Combine(dir, "link");
        File.CreateSymbolicLink(link, file);
        var e = Assert.Throws<MqttSettingsException>(() => MqttCredentials.Load(link));
        Assert.Contains("not a regular file", e.Message);
        Assert.Equal("edge", MqttCredentials.Load(file).User);
    }

    [Infrastructure.RootFact]
    public void A_credentials_file_of_another_user_is_refused()
    {
        string dir = Infrastructure.TempDir.Create("creds");
        string file = Path.Combine(dir, "creds");
        File.WriteAllText(file, "edge\npass\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Infrastructure.Sh.Run("chown", "65534", file);
        var e = Assert.Throws<MqttSettingsException>(() => MqttCredentials.Load(file));
        Assert.Contains("belongs to uid 65534", e.Message);
    }

    [Fact]
    public void An_oversized_or_one_line_credentials_file_is_refused()
    {
        string dir = Infrastructure.TempDir.Create("creds");
        string big = Path.Combine(dir, "big");
        File.WriteAllText(big, "edge\n" + new string('p', 100_000) + "\n");
        File.SetUnixFileMode(big, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Contains("more than the 65536 allowed", Assert.Throws<MqttSettingsException>(() => MqttCredentials.Load(big)).Message);
        string oneLine = Path.Combine(dir, "one");
        File.WriteAllText(oneLine, "edge\n");
        File.SetUnixFileMode(oneLine, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Assert.Contains("password on line 2", Assert.Throws<MqttSettingsException>(() => MqttCredentials.Load(oneLine)).Message);
    }

    /// <summary>TLS files are read at each connect through the bounded reader: a device as the CA bundle is one log line, not gigabytes.</summary>
    [Fact]
    public async Task A_device_as_the_ca_file_is_refused_at_connect_and_said_in_the_log()
    {
        var config = MqttTestSupport.Config(Infrastructure.Ports.Free(), MqttTestSupport.Prefix());
        config.Tls = new MqttTlsConfig { CaFile = "/dev/zero" };
        var log = new ListSink();
        await using var reporter = MqttTestSupport.Create(config, Infrastructure.TempDir.Create("mqtt"), log, [MqttTestSupport.Gateway]);
        MqttReporterTests.WaitFor(() => log.Text.Contains("'/dev/zero' is", StringComparison.Ordinal), "the refused CA file in the log", log);
        Assert.Contains("allowed", log.Text);
    }
}

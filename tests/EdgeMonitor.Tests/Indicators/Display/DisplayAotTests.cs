using EdgeMonitor.Net;
using EdgeMonitor.Tests.Aot;

namespace EdgeMonitor.Tests.Indicators.Display;

/// <summary>The display in the shipped NativeAOT binary: still one file, its config read by trimmed code.</summary>
[Collection(AotCollection.Name)]
public sealed class DisplayAotTests(AotBinaries binaries) : IDisposable
{
    private readonly AotBinary aot = binaries.X64;
    private readonly string _dir = Directory.CreateTempSubdirectory("edgemonitor-display-aot").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_bindings_leave_no_native_library_beside_the_binary()
    {
        string[] beside = [.. Directory.EnumerateFiles(Path.GetDirectoryName(aot.Path)!).Select(Path.GetFileName)
            .Where(f => f is not ("edgemonitor" or "edgemonitor.dbg"))!];
        Assert.Empty(beside);
    }

    [Fact]
    public void Display_config_and_a_missing_bus_are_clear_errors()
    {
        string config = Path.Combine(_dir, "config.json");
        File.WriteAllText(config, """{ "display": { "kind": "hd44780-20x4", "bus": 250, "address": "0x3f" } }""");
        var (exit, _, err) = aot.Run(["display", "--config", config, "--state-dir", _dir, "test"]);
        Assert.True(exit == 70, err);
        Assert.Contains("hd44780-20x4 on i2c-250 0x3f", err);

        File.WriteAllText(config, """{ "display": { "kind": "ssd1309" } }""");
        (exit, _, err) = aot.Run(["display", "--config", config, "test"]);
        Assert.Equal(78, exit);
        Assert.Contains("$.display.kind: must be off, ssd1306-128x64, ssd1306-128x32, hd44780-16x2 or hd44780-20x4, not text \"ssd1309\"", err);
    }
}

using System.Device.I2c;
using EdgeMonitor.Net;

namespace EdgeMonitor.Tests.Indicators.Display;

/// <summary>
/// An I2C device that keeps every transaction the binding writes, in order. <see cref="Unplugged"/>
/// answers every transfer as Linux does when nothing acknowledges the address (EREMOTEIO, 121).
/// </summary>
public sealed class RecordingI2cDevice(int bus, int address) : I2cDevice
{
    private readonly List<byte[]> _writes = [];

    public override I2cConnectionSettings ConnectionSettings { get; } = new(bus, address);

    public bool Unplugged { get; set; }
    public bool Disposed { get; private set; }

    public IReadOnlyList<byte[]> Writes
    {
        get
        {
            lock (_writes)
                return [.. _writes];
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (Unplugged)
            throw new IOException("Error 121 performing I2C data transfer.");
        lock (_writes)
            _writes.Add(buffer.ToArray());
    }

    public override void Read(Span<byte> buffer) => throw new IOException("this panel is write-only");

    public override void WriteRead(ReadOnlySpan<byte> writeBuffer, Span<byte> readBuffer) => Read(readBuffer);

    protected override void Dispose(bool disposing) => Disposed = true;
}

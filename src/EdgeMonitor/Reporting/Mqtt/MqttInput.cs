using EdgeMonitor.Model;
using EdgeMonitor.Net;

namespace EdgeMonitor.Reporting.Mqtt;

/// <summary>
/// Everything the reporter's one task acts on, in arrival order: status changes from the
/// monitor, new settings from a reload, and what a connection reports. A connection's inputs
/// carry its generation; those of a connection already replaced are ignored.
/// </summary>
internal abstract record MqttInput;

internal sealed record StatusInput(StatusChange Change) : MqttInput;

internal sealed record ReconfigureInput(MqttSettings Settings, IReadOnlyList<Target> Targets) : MqttInput;

internal sealed record StopInput : MqttInput
{
    public static StopInput Instance { get; } = new();
}

internal abstract record ConnectionInput(long Generation) : MqttInput;

internal sealed record ConnectedInput(long Generation) : ConnectionInput(Generation);

internal sealed record LostInput(long Generation, string Reason) : ConnectionInput(Generation);

/// <summary>The broker acknowledged (PUBACK) the event with this seq.</summary>
internal sealed record DeliveredInput(long Generation, long Seq) : ConnectionInput(Generation);

/// <summary>The broker acknowledged the empty retained message that deletes this topic.</summary>
internal sealed record ClearedInput(long Generation, string Topic) : ConnectionInput(Generation);

/// <summary>A message on the command topic. Payloads over <see cref="MqttCommands.MaxPayload"/> are not kept (Payload null).</summary>
internal sealed record CommandInput(long Generation, string Topic, byte[]? Payload, long Length, bool Retained) : ConnectionInput(Generation);

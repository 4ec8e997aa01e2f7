using EdgeGateway.Hardware.Bins;
using EdgeGateway.Hardware.ShedSensors;

namespace EdgeGateway.Board;

/// <summary>One bin's sensors as the site file wires them.</summary>
public sealed record BinHardware(
    string Id,
    IReadOnlyList<IFillDistanceSensor> Fill,
    IBinWeightSensor? Weight,
    IShedThermometer? Thermometer,
    ContactInput? Lid,
    ContactInput? Tilt);

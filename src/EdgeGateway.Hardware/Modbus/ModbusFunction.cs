namespace EdgeGateway.Hardware.Modbus;

/// <summary>The public function codes this master uses (Modbus Application Protocol v1.1b3, §6).</summary>
public enum ModbusFunction : byte
{
    /// <summary>0x03, Read Holding Registers (§6.3).</summary>
    ReadHoldingRegisters = 0x03,

    /// <summary>0x04, Read Input Registers (§6.4).</summary>
    ReadInputRegisters = 0x04,
}

/// <summary>The exception codes a server answers with (Modbus Application Protocol v1.1b3, §7).</summary>
public enum ModbusExceptionCode : byte
{
    IllegalFunction = 0x01,
    IllegalDataAddress = 0x02,
    IllegalDataValue = 0x03,
    ServerDeviceFailure = 0x04,
    Acknowledge = 0x05,
    ServerDeviceBusy = 0x06,
    MemoryParityError = 0x08,
    GatewayPathUnavailable = 0x0A,
    GatewayTargetFailedToRespond = 0x0B,
}

/// <summary>Why a request got no usable answer.</summary>
public enum ModbusFailureKind
{
    /// <summary>No byte came back within the response timeout.</summary>
    Timeout,

    /// <summary>An answer began but stopped short (a silence of t3.5 or the timeout before its last byte).</summary>
    Truncated,

    /// <summary>The frame's CRC is not that of its bytes.</summary>
    BadCrc,

    /// <summary>The answer came from another unit address.</summary>
    WrongUnit,

    /// <summary>The answer's function code is neither the request's nor its exception.</summary>
    WrongFunction,

    /// <summary>The answer's byte count is not two per register asked for.</summary>
    WrongByteCount,

    /// <summary>The server answered with an exception (function | 0x80 and a code).</summary>
    Exception,

    /// <summary>The serial port itself failed (closed, unplugged adapter).</summary>
    Port,
}

/// <summary>A request that failed: what went wrong, the server's exception code when it answered one, and the words.</summary>
public sealed record ModbusFailure(ModbusFailureKind Kind, string Message, ModbusExceptionCode? ExceptionCode = null)
{
    public override string ToString() => Message;
}

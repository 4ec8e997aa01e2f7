using EdgeGateway.Hardware.Modbus;

namespace EdgeGateway.Hardware.Tests.Modbus;

/// <summary>
/// A serial line whose server is a function of the request: each answer is handed out in the chunks given (a chunk
/// list ending early is a silence); no answer is a timeout, returned at once (no real time passes).
/// </summary>
internal sealed class ScriptedRtuLine(Func<byte[], int, byte[][]?> server) : IRtuLine
{
    private readonly Queue<byte[]> _chunks = new();

    public List<byte[]> Requests { get; } = [];

    public int Discards { get; private set; }

    public void DiscardInput()
    {
        Discards++;
        _chunks.Clear();
    }

    public void Write(ReadOnlySpan<byte> bytes)
    {
        byte[] request = bytes.ToArray();
        Requests.Add(request);
        foreach (byte[] chunk in server(request, Requests.Count) ?? [])
        {
            _chunks.Enqueue(chunk);
        }
    }

    public int Read(Span<byte> buffer, TimeSpan timeout)
    {
        if (!_chunks.TryDequeue(out byte[]? chunk))
        {
            return 0;
        }

        chunk.CopyTo(buffer);
        return chunk.Length;
    }

    /// <summary>A frame with its CRC appended.</summary>
    public static byte[] Frame(params byte[] pdu)
    {
        byte[] frame = new byte[pdu.Length + 2];
        pdu.CopyTo(frame, 0);
        ModbusCrc.Append(frame);
        return frame;
    }
}

namespace EdgeGateway.Board;

/// <summary>The board could not be brought up as the site file describes (a chip missing, a bus not enabled).</summary>
public sealed class BoardException : Exception
{
    public BoardException()
    {
    }

    public BoardException(string message)
        : base(message)
    {
    }

    public BoardException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

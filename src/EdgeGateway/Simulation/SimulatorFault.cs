using System.Diagnostics;
using System.Reflection;

namespace EdgeGateway.Simulation;

/// <summary>
/// Tells a failure of the simulated shed (its model, scenario player or simulated chips) from one of the gateway's own
/// code, so that <c>run --simulate</c> never reports a bug of the simulation as a failure of the sampling loop.
/// </summary>
public static class SimulatorFault
{
    /// <summary>Exit code of a gateway whose simulated shed failed (the sampling loop failing is 70).</summary>
    public const int ExitCode = 4;

    private static readonly string[] SimulationNamespaces = ["EdgeGateway.Simulation", "EdgeGateway.Hardware.Simulation"];

    /// <summary>
    /// True when the innermost of the project's own methods on <paramref name="exception"/>'s stack (where it was thrown,
    /// or the first of ours above a framework method that threw) is simulation code. The real bindings sit between the
    /// sampler and the simulated chips, so a binding that throws on a chip's answer counts as the product's.
    /// </summary>
    public static bool Caused(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Exception innermost = exception;
        while (innermost.InnerException is not null)
        {
            innermost = innermost.InnerException;
        }

        // DiagnosticMethodInfo, not StackFrame.GetMethod: it reads the names the stack trace itself carries, which a
        // Native AOT build keeps, where GetMethod needs reflection metadata the trimmer may have removed (null then).
        foreach (StackFrame frame in new StackTrace(innermost, fNeedFileInfo: false).GetFrames())
        {
            if (DiagnosticMethodInfo.Create(frame) is not { DeclaringTypeName: { } type, DeclaringAssemblyName: { } assembly } || !IsOurs(assembly))
            {
                continue;
            }

            return SimulationNamespaces.Any(ns => type.StartsWith(ns + ".", StringComparison.Ordinal));
        }

        return false;
    }

    // The assembly's display name ("EdgeGateway.Hardware, Version=…"); a type's full name starts with its namespace.
    private static bool IsOurs(string assembly) =>
        new AssemblyName(assembly).Name is { } name && (name == "EdgeGateway" || name.StartsWith("EdgeGateway.", StringComparison.Ordinal));
}

using Xunit.Abstractions;
using Xunit.Sdk;

namespace EdgeGateway.Hub.Tests.WebConsole.Browser;

/// <summary>The order a test runs in within its class (lower first; tests without a step run last, by name).</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class StepAttribute(int order) : Attribute
{
    public int Order { get; } = order;
}

/// <summary>
/// Runs a class's tests by <see cref="StepAttribute"/>: the browser tests share one simulated gateway whose overload
/// happens once, so the test that watches it happen live runs before those that acknowledge and reset it.
/// </summary>
public sealed class StepOrderer : ITestCaseOrderer
{
    public const string TypeName = "EdgeGateway.Hub.Tests.WebConsole.Browser.StepOrderer";
    public const string AssemblyName = "EdgeGateway.Hub.Tests";

    public IEnumerable<TTestCase> OrderTestCases<TTestCase>(IEnumerable<TTestCase> testCases)
        where TTestCase : ITestCase =>
        testCases
            .OrderBy(testCase => Step(testCase))
            .ThenBy(testCase => testCase.TestMethod.Method.Name, StringComparer.Ordinal)
            .ThenBy(testCase => testCase.DisplayName, StringComparer.Ordinal);

    private static int Step(ITestCase testCase)
    {
        IAttributeInfo? step = testCase.TestMethod.Method.GetCustomAttributes(typeof(StepAttribute).AssemblyQualifiedName).FirstOrDefault();
        return step?.GetConstructorArguments().FirstOrDefault() is int order ? order : int.MaxValue;
    }
}

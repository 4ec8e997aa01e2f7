using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.Json;
using EdgeGateway.Contracts.Alarms;
using EdgeGateway.Contracts.Mqtt;
using EdgeGateway.Contracts.Ports;
using EdgeGateway.Contracts.Reasons;

namespace EdgeGateway.Contracts.Localization;

/// <summary>
/// A <see cref="ContractReason"/> in words, from the catalogue's templates (<see cref="ReasonCatalogue.Templates"/>):
/// numbers in the reader's culture with their units, port states, alarm kinds and bin classes in the reader's language.
/// A code the catalogue does not know, or a template naming a parameter the reason lacks, renders nothing: the reader
/// shows the English <c>detail</c> / <c>message</c> instead.
/// </summary>
public sealed class ReasonText
{
    public static readonly ReasonText Chinese = new(DisplayText.Chinese, CultureInfo.GetCultureInfo("zh-CN"));

    /// <summary>Invariant numbers: the English text is the contract's <c>detail</c> / <c>message</c> as well.</summary>
    public static readonly ReasonText English = new(DisplayText.English, CultureInfo.InvariantCulture);

    private readonly DisplayText _words;
    private readonly CultureInfo _culture;

    private ReasonText(DisplayText words, CultureInfo culture)
    {
        _words = words;
        _culture = culture;
    }

    public static ReasonText For(DisplayText text) => text == DisplayText.English ? English : Chinese;

    /// <summary>The English text of a catalogue reason: an alarm's <c>detail</c>, a reply's <c>message</c>.</summary>
    public static string Detail(ContractReason reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return English.Render(reason, reason.Code);
    }

    /// <summary>A command reply saying <paramref name="reason"/>, its English text as the message.</summary>
    public static CommandReply Reply(string command, DateTimeOffset ts, bool ok, ContractReason reason) => CommandReply.Of(command, ts, ok, reason, Detail(reason));

    /// <summary>The reason in this language, or <paramref name="fallback"/> when it cannot be rendered.</summary>
    public string Render(ContractReason? reason, string fallback) => TryRender(reason, out string? text) ? text : fallback;

    /// <summary>The reason in this language; false for no reason, an unknown code or a missing parameter.</summary>
    public bool TryRender(ContractReason? reason, [NotNullWhen(true)] out string? text)
    {
        text = null;
        if (reason is null || !ReasonCatalogue.Templates.TryGetValue(reason.Code, out (string Chinese, string English) templates))
        {
            return false;
        }

        string template = _words == DisplayText.English ? templates.English : templates.Chinese;
        var result = new StringBuilder(template.Length + 32);
        int at = 0;
        while (at < template.Length)
        {
            int open = template.IndexOf('{', at);
            if (open < 0)
            {
                result.Append(template, at, template.Length - at);
                break;
            }

            int close = template.IndexOf('}', open);
            if (close < 0)
            {
                return false;
            }

            result.Append(template, at, open - at);
            (string name, string? format) = Placeholder(template[(open + 1)..close]);
            if (!reason.Params.TryGetValue(name, out JsonElement value))
            {
                return false;
            }

            result.Append(Value(value, format));
            at = close + 1;
        }

        text = result.ToString();
        return true;
    }

    /// <summary>The parameter names a template uses (for the catalogue's tests).</summary>
    public static IEnumerable<string> Parameters(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        int at = 0;
        while (template.IndexOf('{', at) is var open and >= 0 && template.IndexOf('}', open) is var close and >= 0)
        {
            yield return Placeholder(template[(open + 1)..close]).Name;
            at = close + 1;
        }
    }

    private static (string Name, string? Format) Placeholder(string inside)
    {
        int colon = inside.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (inside, null) : (inside[..colon], inside[(colon + 1)..]);
    }

    private string Value(JsonElement value, string? format)
    {
        if (value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double number))
        {
            return number.ToString(format ?? "0.##", _culture);
        }

        string text = value.ValueKind == JsonValueKind.String ? value.GetString() ?? string.Empty : value.GetRawText();
        return format switch
        {
            "state" => Enum.GetValues<PortState>().FirstOrDefault(s => s.WireName() == text) is var state && state.WireName() == text ? _words.State(state) : text,
            "kind" => AlarmKinds.TryParse(text, out AlarmKind kind) ? _words.Alarm(kind) : text,
            "bin_class" => _words.BinClass(text),
            _ => text,
        };
    }
}

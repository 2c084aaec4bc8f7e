using System.Text.Json;

namespace Sluice.Core.Messages;

/// <summary>
/// A field the model does not know (a user-defined header): its name and its value as raw JSON text,
/// kept untouched so it is forwarded exactly as received.
/// </summary>
public sealed record Header(string Name, string RawJson)
{
    /// <summary>A header whose value is a JSON string.</summary>
    public static Header FromString(string name, string value) => new(name, Formats.PyJsonWriter.Quote(value));

    /// <summary>The value when it is a JSON string; otherwise the raw JSON text.</summary>
    public string StringValue
    {
        get
        {
            if (RawJson.Length >= 2 && RawJson[0] == '"')
            {
                try
                {
                    return JsonSerializer.Deserialize<string>(RawJson) ?? RawJson;
                }
                catch (JsonException)
                {
                    return RawJson;
                }
            }

            return RawJson;
        }
    }
}

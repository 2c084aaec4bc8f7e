using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Sluice.Core.Config;

/// <summary>
/// sr3's <c>${...}</c> variables: dates (<c>${YYYYMMDD}</c>, <c>${YYYYMMDD-1D}</c>, <c>${HH}</c>, <c>${JJJ}</c>, <c>${%Y%m%d}</c>,
/// <c>${%o-1h%Y%m%d%H}</c>), flow names (<c>${PROGRAM}</c>, <c>${CONFIG}</c>, <c>${BROKER_USER}</c>, <c>${HOSTNAME}</c>, <c>${RANDID}</c>),
/// directories (<c>${BD}</c>, <c>${PBD}</c>), message fields (<c>${SOURCE}</c>, <c>${BUP}</c>, <c>${BUPL}</c>) and environment
/// variables. A variable that has no value is left as written.
/// </summary>
public static partial class Variables
{
    /// <summary>Values known when expanding; <paramref name="Time"/> gives the clock (injected for tests).</summary>
    public sealed record Context(TimeProvider Time, IReadOnlyDictionary<string, string> Values)
    {
        /// <summary>sr3's <c>varTimeOffset</c>: shifts the clock used for date variables.</summary>
        public TimeSpan TimeOffset { get; init; }

        public static Context Environment(TimeProvider? time = null)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
            {
                values[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
            }

            return new Context(time ?? TimeProvider.System, values);
        }

        public Context With(string name, string? value)
        {
            if (value is null)
            {
                return this;
            }

            var values = new Dictionary<string, string>(Values, StringComparer.Ordinal) { [name] = value };
            return this with { Values = values };
        }
    }

    [GeneratedRegex(@"\$\{([^}]*)\}")]
    private static partial Regex VariablePattern();

    [GeneratedRegex(@"^(YYYYMMDD|YYYY|MM|DD|HH|JJJ|SS|YY)(?:([+-]\d+)([DdHhMm]))?$")]
    private static partial Regex LegacyDate();

    [GeneratedRegex(@"^%o([+-]\d+(?:\.\d+)?)([smhdw])")]
    private static partial Regex Offset();

    /// <summary>True when the text has a variable whose value depends on the message or the time (expanded per message).</summary>
    public static bool IsPerMessage(string text)
    {
        foreach (Match match in VariablePattern().Matches(text))
        {
            var name = match.Groups[1].Value;
            if (name.StartsWith('%') || LegacyDate().IsMatch(name) || name is "SOURCE" or "BUP" or "BUPL" or "RELPATH")
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Expands every variable that has a value.</summary>
    public static string Expand(string text, Context context, MessageValues? message = null)
    {
        if (!text.Contains("${", StringComparison.Ordinal))
        {
            return text;
        }

        var now = context.Time.GetUtcNow() + context.TimeOffset;
        return VariablePattern().Replace(text, match =>
        {
            var name = match.Groups[1].Value;
            if (name.StartsWith('%'))
            {
                return StrfTime(name, now);
            }

            var legacy = LegacyDate().Match(name);
            if (legacy.Success)
            {
                var when = now;
                if (legacy.Groups[2].Success)
                {
                    var amount = int.Parse(legacy.Groups[2].Value, CultureInfo.InvariantCulture);
                    when += char.ToLowerInvariant(legacy.Groups[3].Value[0]) switch
                    {
                        'd' => TimeSpan.FromDays(amount),
                        'h' => TimeSpan.FromHours(amount),
                        _ => TimeSpan.FromMinutes(amount),
                    };
                }

                return legacy.Groups[1].Value switch
                {
                    "YYYYMMDD" => when.ToString("yyyyMMdd", CultureInfo.InvariantCulture),
                    "YYYY" => when.ToString("yyyy", CultureInfo.InvariantCulture),
                    "YY" => when.ToString("yy", CultureInfo.InvariantCulture),
                    "MM" => when.ToString("MM", CultureInfo.InvariantCulture),
                    "DD" => when.ToString("dd", CultureInfo.InvariantCulture),
                    "HH" => when.ToString("HH", CultureInfo.InvariantCulture),
                    "SS" => when.ToString("ss", CultureInfo.InvariantCulture),
                    _ => when.DayOfYear.ToString("D3", CultureInfo.InvariantCulture),
                };
            }

            switch (name)
            {
                case "SOURCE" when message?.Source is { } source:
                    return source;
                case "BUP" when message?.BaseUrl is { } baseUrl:
                    return BaseUrlPath(baseUrl);
                case "BUPL" when message?.BaseUrl is { } baseUrl:
                    return BaseUrlPath(baseUrl).TrimEnd('/').Split('/')[^1];
                case "RANDID":
                    return context.Values.TryGetValue("RANDID", out var id) ? id : match.Value;
                case "RAND8":
                    return System.Security.Cryptography.RandomNumberGenerator.GetInt32(0, 100_000_000).ToString("D8", CultureInfo.InvariantCulture);
                case "PDR":
                    return context.Values.TryGetValue("PBD", out var pdr) ? pdr : match.Value;
                case "DR":
                    return context.Values.TryGetValue("BD", out var dr) ? dr : match.Value;
            }

            return context.Values.TryGetValue(name, out var value) ? value : match.Value;
        });
    }

    /// <summary>The message fields some variables take their values from.</summary>
    public sealed record MessageValues(string? Source, string? BaseUrl);

    private static string BaseUrlPath(string baseUrl) =>
        Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) ? uri.AbsolutePath : baseUrl;

    /// <summary>Python's strftime for the codes sr3 configurations use, with sr3's <c>%o±N[smhdw]</c> offset first.</summary>
    private static string StrfTime(string pattern, DateTimeOffset now)
    {
        var offset = Offset().Match(pattern);
        if (offset.Success)
        {
            var amount = double.Parse(offset.Groups[1].Value, CultureInfo.InvariantCulture);
            now += offset.Groups[2].Value switch
            {
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                "d" => TimeSpan.FromDays(amount),
                _ => TimeSpan.FromDays(7 * amount),
            };
            pattern = pattern[offset.Length..];
        }

        var result = new StringBuilder();
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] != '%' || i == pattern.Length - 1)
            {
                result.Append(pattern[i]);
                continue;
            }

            var code = pattern[++i];
            result.Append(code switch
            {
                'Y' => now.ToString("yyyy", CultureInfo.InvariantCulture),
                'y' => now.ToString("yy", CultureInfo.InvariantCulture),
                'm' => now.ToString("MM", CultureInfo.InvariantCulture),
                'd' => now.ToString("dd", CultureInfo.InvariantCulture),
                'H' => now.ToString("HH", CultureInfo.InvariantCulture),
                'M' => now.ToString("mm", CultureInfo.InvariantCulture),
                'S' => now.ToString("ss", CultureInfo.InvariantCulture),
                'j' => now.DayOfYear.ToString("D3", CultureInfo.InvariantCulture),
                'b' => now.ToString("MMM", CultureInfo.InvariantCulture),
                'B' => now.ToString("MMMM", CultureInfo.InvariantCulture),
                'a' => now.ToString("ddd", CultureInfo.InvariantCulture),
                'A' => now.ToString("dddd", CultureInfo.InvariantCulture),
                'I' => now.ToString("hh", CultureInfo.InvariantCulture),
                'p' => now.Hour < 12 ? "AM" : "PM",
                '%' => "%",
                _ => "%" + code,
            });
        }

        return result.ToString();
    }
}

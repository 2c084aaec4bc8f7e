using System.Globalization;

namespace Sluice.Core.Config;

/// <summary>sr3's value syntaxes: flags, counts and sizes with k/m/g (<c>b</c> or <c>i</c> for base 2), durations with s/m/h/d/w, octal modes.</summary>
internal static class ConfigValues
{
    public static bool TryFlag(string text, out bool value)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "" or "on" or "yes" or "true" or "1":
                value = true;
                return true;
            case "off" or "no" or "false" or "0" or "none":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    /// <summary>A count or size: <c>10</c>, <c>5k</c> (5000), <c>5kb</c> or <c>5ki</c> (5120), <c>2m</c>, <c>1g</c>.</summary>
    public static bool TryCount(string text, out long value)
    {
        value = 0;
        var s = text.Trim().ToLowerInvariant();
        if (s.Length == 0)
        {
            return false;
        }

        var negative = s[0] == '-';
        if (negative || s[0] == '+')
        {
            s = s[1..];
        }

        var binary = s.EndsWith('b') || s.EndsWith('i');
        if (binary)
        {
            s = s[..^1];
        }

        long multiplier = 1;
        if (s.Length > 0 && s[^1] is 'k' or 'm' or 'g' or 't')
        {
            var unit = binary ? 1024L : 1000L;
            multiplier = s[^1] switch { 'k' => unit, 'm' => unit * unit, 'g' => unit * unit * unit, _ => unit * unit * unit * unit };
            s = s[..^1];
        }

        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || double.IsNaN(number) || double.IsInfinity(number))
        {
            return false;
        }

        var result = number * multiplier;
        if (Math.Abs(result) > long.MaxValue / 2)
        {
            return false;
        }

        value = (long)Math.Round(negative ? -result : result);
        return true;
    }

    /// <summary>A duration: seconds by default, or with s, m, h, d, w (<c>5m</c>, <c>1.5h</c>).</summary>
    public static bool TryDuration(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var s = text.Trim().ToLowerInvariant();
        if (s.Length == 0)
        {
            return false;
        }

        if (TryFlag(s, out var flag) && !char.IsDigit(s[0]))
        {
            // nodupe_ttl on means 300 s, as in sr3.
            value = flag ? TimeSpan.FromSeconds(300) : TimeSpan.Zero;
            return true;
        }

        var factor = s[^1] switch { 's' => 1.0, 'm' => 60.0, 'h' => 3600.0, 'd' => 86400.0, 'w' => 604800.0, _ => 0.0 };
        if (factor != 0)
        {
            s = s[..^1];
        }
        else
        {
            factor = 1;
        }

        // Negative durations are meaningful to sr3 (sleep -1: run once).
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || double.IsInfinity(number) || Math.Abs(number * factor) > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(number * factor);
        return true;
    }

    public static bool TryFloat(string text, out double value)
    {
        if (TryCount(text, out var count) && !text.Contains('.', StringComparison.Ordinal))
        {
            value = count;
            return true;
        }

        return double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !double.IsNaN(value);
    }

    /// <summary>An octal permission: <c>644</c>, <c>0o755</c>, <c>0755</c>.</summary>
    public static bool TryOctal(string text, out int value)
    {
        value = 0;
        var s = text.Trim();
        if (s.StartsWith("0o", StringComparison.OrdinalIgnoreCase))
        {
            s = s[2..];
        }

        if (s.Length == 0 || s.Length > 5 || s.Any(c => c is < '0' or > '7'))
        {
            return false;
        }

        value = Convert.ToInt32(s, 8);
        return true;
    }
}

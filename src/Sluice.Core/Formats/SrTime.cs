using System.Globalization;

namespace Sluice.Core.Formats;

/// <summary>
/// sr3's time stamps. v03 writes <c>YYYYMMDDTHHMMSS.fraction</c> (UTC, any number of fraction digits),
/// v02 the same without the <c>T</c>, WIS2 RFC 3339 (<c>YYYY-MM-DDTHH:MM:SS.fractionZ</c>).
/// </summary>
internal static class SrTime
{
    /// <summary>True when <paramref name="text"/> is a v03 time stamp.</summary>
    public static bool IsV03(ReadOnlySpan<char> text)
    {
        if (text.Length < 15 || text[8] != 'T' || !AllDigits(text[..8]) || !AllDigits(text[9..15]))
        {
            return false;
        }

        if (text.Length == 15)
        {
            return true;
        }

        return text[15] == '.' && text.Length > 16 && AllDigits(text[16..]);
    }

    /// <summary>A v02 time stamp (<c>YYYYMMDDHHMMSS.f</c>) in v03 form; a v03 one is returned as it is.</summary>
    /// <exception cref="FormatException">Neither form.</exception>
    public static string V02ToV03(string v02)
    {
        if (IsV03(v02))
        {
            return v02;
        }

        if (v02.Length < 14 || !AllDigits(v02.AsSpan(0, 14)) ||
            (v02.Length > 14 && (v02[14] != '.' || v02.Length == 15 || !AllDigits(v02.AsSpan(15)))))
        {
            throw new FormatException($"'{v02}' is not a time stamp YYYYMMDDHHMMSS[.fraction]");
        }

        return string.Concat(v02.AsSpan(0, 8), "T", v02.AsSpan(8));
    }

    /// <summary>A v03 time stamp in v02 form (the <c>T</c> removed), as sr3 writes v02 headers.</summary>
    public static string V03ToV02(string v03) => v03.Length > 8 && v03[8] == 'T' ? string.Concat(v03.AsSpan(0, 8), v03.AsSpan(9)) : v03;

    /// <summary>A v03 time stamp as RFC 3339 UTC (<c>2026-11-23T18:30:58.097723484Z</c>).</summary>
    public static string V03ToRfc3339(string v03)
    {
        if (!IsV03(v03))
        {
            throw new FormatException($"'{v03}' is not a time stamp YYYYMMDDTHHMMSS[.fraction]");
        }

        return string.Concat(
            $"{v03.AsSpan(0, 4)}-{v03.AsSpan(4, 2)}-{v03.AsSpan(6, 2)}T{v03.AsSpan(9, 2)}:{v03.AsSpan(11, 2)}:{v03.AsSpan(13, 2)}",
            v03.AsSpan(15),
            "Z");
    }

    /// <summary>An RFC 3339 time (any offset) as a v03 time stamp in UTC, keeping every fraction digit.</summary>
    public static string Rfc3339ToV03(string rfc3339)
    {
        var text = rfc3339.AsSpan().Trim();
        // Fast path: UTC with 'Z' and the plain layout keeps all fraction digits (DateTime holds only 7).
        if (text.Length >= 20 && (text[^1] == 'Z' || text[^1] == 'z') && text[4] == '-' && text[7] == '-' &&
            (text[10] == 'T' || text[10] == 't' || text[10] == ' ') && text[13] == ':' && text[16] == ':' &&
            AllDigits(text[..4]) && AllDigits(text[5..7]) && AllDigits(text[8..10]) && AllDigits(text[11..13]) &&
            AllDigits(text[14..16]) && AllDigits(text[17..19]))
        {
            var fraction = text[19..^1];
            if (fraction.IsEmpty || (fraction[0] == '.' && fraction.Length > 1 && AllDigits(fraction[1..])))
            {
                return string.Concat(
                    $"{text[..4]}{text[5..7]}{text[8..10]}T{text[11..13]}{text[14..16]}{text[17..19]}",
                    fraction);
            }
        }

        if (!DateTimeOffset.TryParse(rfc3339, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            throw new FormatException($"'{rfc3339}' is not an RFC 3339 time");
        }

        return Format(parsed);
    }

    /// <summary>A time as a v03 time stamp with nine fraction digits, as sr3 writes them.</summary>
    public static string Format(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        var nanos = (utc.Ticks % TimeSpan.TicksPerSecond) * 100;
        return string.Create(CultureInfo.InvariantCulture, $"{utc:yyyyMMdd'T'HHmmss}.{nanos:D9}");
    }

    /// <summary>Parses a v03 (or v02) time stamp; fraction digits beyond 100 ns are dropped.</summary>
    public static DateTimeOffset Parse(string text)
    {
        var v03 = V02ToV03(text);
        var whole = DateTime.ParseExact(v03.AsSpan(0, 15), "yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
        long ticks = 0;
        if (v03.Length > 16)
        {
            var digits = v03.AsSpan(16);
            var scale = TimeSpan.TicksPerSecond;
            foreach (var d in digits)
            {
                scale /= 10;
                if (scale == 0)
                {
                    break;
                }

                ticks += (d - '0') * scale;
            }
        }

        return new DateTimeOffset(whole.AddTicks(ticks), TimeSpan.Zero);
    }

    /// <summary>Parses a v03 time stamp; false when it is not one.</summary>
    public static bool TryParse(string? text, out DateTimeOffset time)
    {
        time = default;
        if (text is null || (!IsV03(text) && !IsV02(text)))
        {
            return false;
        }

        try
        {
            time = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }

    private static bool IsV02(string text)
    {
        try
        {
            _ = V02ToV03(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static bool AllDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }
        }

        return true;
    }
}

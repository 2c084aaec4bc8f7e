using Sluice.Core.Messages;

namespace Sluice.Core.Flows;

/// <summary>
/// Where an accepted file goes: the <c>directory</c>, <c>mirror</c> and <c>strip</c> in force for its accept line,
/// with the <c>flatten</c> and <c>filename</c> (Sundew keywords, or the accept line's second word) in force there.
/// </summary>
public sealed record Placement(string Directory, bool Mirror, int Strip, string Flatten = "/", string? Filename = null)
{
    /// <summary>The file's place under <see cref="Directory"/> for this placement (see <see cref="RelativePath"/>).</summary>
    public string Place(NotificationMessage message) => RelativePath(message, Mirror, Strip, Flatten, Filename);

    /// <summary>
    /// The file's place under the directory, as sr3's <c>updateFieldsAccepted</c> computes it for downloads and sends
    /// alike: the relPath (or the message's <c>rename</c>) less <c>strip</c> leading directories; with
    /// <paramref name="flatten"/> other than <c>/</c> the file name becomes those elements joined by it; with mirror
    /// the directories stay in front of the name (sr3 keeps them even when flattening); then <paramref name="filename"/>
    /// (Sundew's keywords, see <see cref="SundewFilename"/>) changes the name.
    /// </summary>
    public static string RelativePath(NotificationMessage message, bool mirror, int strip, string flatten = "/", string? filename = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        var relPath = message.Rename is { Length: > 0 } rename ? rename.TrimStart('/') : message.RelPath;
        var parts = relPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0)
        {
            return relPath;
        }

        var kept = parts[Math.Min(strip, parts.Length - 1)..];
        var name = flatten != "/" && flatten.Length > 0 ? string.Join(flatten, kept) : kept[^1];
        if (filename is not null)
        {
            name = SundewFilename(filename, name, message.PubTime, message.FindHeader("sundew_extension")?.StringValue);
        }

        return mirror && kept.Length > 1 ? string.Join('/', kept[..^1]) + "/" + name : name;
    }

    /// <summary>The Sundew keywords sr3's <c>filename</c> option takes, separated by <c>:</c>.</summary>
    private static readonly string[] Keywords = ["WHATFN", "HEADFN", "SENDER", "NONE", "NONESENDER", "TIME"];

    /// <summary>Why a <c>filename</c> value cannot be applied, or null when it can.</summary>
    public static string? CheckFilename(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec == "None")
        {
            return null;
        }

        foreach (var keyword in spec.Split(':'))
        {
            if (keyword.StartsWith("DESTFNSCRIPT=", StringComparison.Ordinal))
            {
                return $"{keyword}: a destfn script is a Python plugin; use DESTFN=name, or a callback that sets the name";
            }

            if (!Keywords.Contains(keyword) && !keyword.StartsWith("DESTFN=", StringComparison.Ordinal) && !keyword.StartsWith("SATNET=", StringComparison.Ordinal))
            {
                return $"'{keyword}' is not a filename keyword (None, WHATFN, HEADFN, SENDER, NONE, NONESENDER, TIME, DESTFN=name, SATNET=...)";
            }
        }

        return null;
    }

    /// <summary>
    /// sr3's <c>sundew_getDestInfos</c>: the name <paramref name="filename"/> takes under a <c>filename</c> value
    /// (<c>WHATFN</c> the part before the first <c>:</c>, <c>HEADFN</c> its first two <c>_</c> fields, <c>NONE</c> the
    /// first five or six <c>:</c> fields without <c>SENDER=</c>, <c>NONESENDER</c> with it, <c>SENDER</c> what follows
    /// <c>SENDER=</c>, <c>DESTFN=name</c> that name, <c>SATNET=</c> and <c>TIME</c> suffixes).
    /// </summary>
    public static string SundewFilename(string spec, string filename, string? pubTime, string? sundewExtension = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(filename);
        if (spec == "None")
        {
            return filename;
        }

        var parts = filename.Split(':');
        var firstPart = parts[0];
        if (sundewExtension is not null)
        {
            parts = [parts[0], .. sundewExtension.Split(':')];
            filename = string.Join(':', parts);
        }

        var destination = filename;
        var satnet = string.Empty;
        var timeSuffix = string.Empty;
        foreach (var keyword in spec.Split(':'))
        {
            var sender = filename.IndexOf("SENDER=", StringComparison.Ordinal);
            switch (keyword)
            {
                case "WHATFN":
                    destination = firstPart;
                    break;
                case "HEADFN":
                    var head = firstPart.Split('_');
                    destination = head.Length >= 2 ? head[0] + "_" + head[1] : head[0];
                    break;
                case "SENDER" when sender >= 0:
                    destination = filename[(sender + 7)..].Split(':')[0];
                    break;
                case "SENDER":
                    break;
                case "NONE" or "NONESENDER":
                    if (sender >= 0)
                    {
                        // sr3 cuts NONESENDER at index i + j (j the position of the ':' after SENDER=), as Python slices.
                        var colon = filename.IndexOf(':', sender);
                        var end = keyword == "NONE" ? sender : sender + colon;
                        destination = filename[..Math.Clamp(end < 0 ? filename.Length + end : end, 0, filename.Length)];
                    }
                    else if (parts.Length >= 6)
                    {
                        // Sundew PX keeps the first six fields, PDS the first five.
                        destination = string.Join(':', parts[..(parts[4].Length != 1 ? 5 : 6)]);
                    }

                    if (destination.EndsWith(':'))
                    {
                        destination = destination[..^1];
                    }

                    break;
                case "TIME":
                    timeSuffix = ":" + (pubTime ?? string.Empty).Split('.')[0].Replace("T", string.Empty, StringComparison.Ordinal);
                    if (parts[^1].Length == 14 && parts[^1][0] == '2')
                    {
                        timeSuffix = ":" + parts[^1];
                    }

                    break;
                default:
                    if (keyword.StartsWith("SATNET=", StringComparison.Ordinal))
                    {
                        satnet = ":" + keyword;
                    }
                    else if (keyword.StartsWith("DESTFN=", StringComparison.Ordinal))
                    {
                        destination = keyword[7..];
                    }

                    break;
            }
        }

        return destination + satnet + timeSuffix;
    }
}

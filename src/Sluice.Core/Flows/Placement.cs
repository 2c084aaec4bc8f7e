using Sluice.Core.Messages;

namespace Sluice.Core.Flows;

/// <summary>Where an accepted file goes: the <c>directory</c>, <c>mirror</c> and <c>strip</c> in force for its accept line.</summary>
public sealed record Placement(string Directory, bool Mirror, int Strip)
{
    /// <summary>
    /// The file's place under the directory, as sr3 computes it for downloads and sends alike: the relPath (or the
    /// message's <c>rename</c>) with <c>mirror</c>, less <c>strip</c> leading directories; the file name alone without
    /// mirror, or the whole relPath with its slashes replaced by <paramref name="flatten"/> when that is not <c>/</c>.
    /// </summary>
    public static string RelativePath(NotificationMessage message, bool mirror, int strip, string flatten = "/")
    {
        ArgumentNullException.ThrowIfNull(message);
        var relPath = message.Rename is { Length: > 0 } rename ? rename.TrimStart('/') : message.RelPath;
        var parts = relPath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var kept = parts.Skip(Math.Min(strip, Math.Max(0, parts.Length - 1)));
        if (flatten != "/" && flatten.Length > 0)
        {
            return string.Join(flatten, kept);
        }

        return mirror ? string.Join('/', kept) : relPath[(relPath.LastIndexOf('/') + 1)..];
    }
}

namespace Sluice.Core.Transfers;

/// <summary>
/// Resolves paths taken from messages (relPath, retrievePath, rename, link and rename targets) against the
/// directory a flow writes to, and refuses any that could lead outside it: <c>..</c>, absolute paths, NUL,
/// backslashes, and directories along the way that are symbolic links pointing outside.
/// </summary>
public static class PathSafety
{
    /// <summary>The full local path of <paramref name="relative"/> inside <paramref name="root"/>.</summary>
    /// <exception cref="UnsafePathException">The path could escape the root.</exception>
    public static string Resolve(string root, string relative)
    {
        if (relative.Contains('\0', StringComparison.Ordinal))
        {
            throw new UnsafePathException(relative, "contains a NUL character");
        }

        if (relative.Contains('\\', StringComparison.Ordinal))
        {
            throw new UnsafePathException(relative, "contains a backslash");
        }

        if (relative.StartsWith('/') || Path.IsPathRooted(relative))
        {
            throw new UnsafePathException(relative, "is absolute");
        }

        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Any(p => p == ".."))
        {
            throw new UnsafePathException(relative, "goes up with '..'");
        }

        var fullRoot = Path.GetFullPath(root).TrimEnd('/');
        var current = fullRoot;
        for (var i = 0; i < parts.Length; i++)
        {
            if (parts[i] == ".")
            {
                continue;
            }

            current = current + "/" + parts[i];
            var isLast = i == parts.Length - 1;
            var info = new DirectoryInfo(current);
            if (!isLast && info.LinkTarget is not null)
            {
                var resolved = info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? string.Empty;
                if (!IsInside(fullRoot, Path.GetFullPath(resolved)))
                {
                    throw new UnsafePathException(relative, $"directory {parts[i]} is a symbolic link leading outside {fullRoot}");
                }
            }
        }

        var result = Path.GetFullPath(fullRoot + "/" + string.Join('/', parts));
        if (!IsInside(fullRoot, result))
        {
            throw new UnsafePathException(relative, $"resolves outside {fullRoot}");
        }

        return result;
    }

    /// <summary>Checks a symbolic link's target: relative to the link's directory, it must stay inside the root.</summary>
    public static void CheckLinkTarget(string root, string linkPath, string target)
    {
        if (target.Contains('\0', StringComparison.Ordinal))
        {
            throw new UnsafePathException(target, "contains a NUL character");
        }

        var fullRoot = Path.GetFullPath(root).TrimEnd('/');
        var resolved = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(Path.GetDirectoryName(linkPath)!, target));
        if (!IsInside(fullRoot, resolved))
        {
            throw new UnsafePathException(target, $"link target leads outside {fullRoot}");
        }
    }

    private static bool IsInside(string root, string path) => path == root || path.StartsWith(root + "/", StringComparison.Ordinal);
}

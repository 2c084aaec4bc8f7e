namespace Sluice.Core.Transfers;

/// <summary>
/// Resolves paths that come from messages (relPath, retrievePath, rename, fileOp link and rename
/// targets) against the directory a flow writes to, and refuses any that could lead outside it:
/// <c>..</c> segments, absolute paths, NUL bytes, backslashes, and directories on the way that are
/// symbolic links leading outside. Every refusal is an <see cref="UnsafePathException"/> naming the
/// path and the reason.
/// </summary>
public static class PathSafety
{
    /// <summary>
    /// Returns the absolute local path of <paramref name="relativePath"/> under <paramref name="root"/>,
    /// or throws <see cref="UnsafePathException"/>. Existing directories on the way are checked for
    /// symbolic links that lead outside the root; the final component may be anything.
    /// </summary>
    public static string Resolve(string root, string relativePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(relativePath);
        var segments = Segments(relativePath);
        var fullRoot = Path.GetFullPath(root);
        var current = fullRoot;
        for (var i = 0; i < segments.Count; i++)
        {
            current = Path.Combine(current, segments[i]);
            if (i < segments.Count - 1)
            {
                CheckNotEscapingLink(fullRoot, current, relativePath);
            }
        }

        return current;
    }

    /// <summary>
    /// Joins <paramref name="relativePath"/> to a directory on another machine (a send's remote side), refusing the
    /// same paths as <see cref="Resolve"/> but without looking at any local file system. An empty root gives a path
    /// relative to the server's login directory.
    /// </summary>
    public static string JoinRemote(string root, string relativePath)
    {
        ArgumentNullException.ThrowIfNull(root);
        ArgumentNullException.ThrowIfNull(relativePath);
        var joined = string.Join('/', Segments(relativePath));
        var trimmed = root.TrimEnd('/');
        return root.Length == 0 ? joined : (trimmed.Length == 0 ? "/" : trimmed + "/") + joined;
    }

    /// <summary>
    /// Checks the target of a symbolic link to be created at <paramref name="linkRelativePath"/>:
    /// a relative target is resolved from the link's directory and must stay under the root; an
    /// absolute target must lie under the root. Returns the target to write into the link.
    /// </summary>
    public static string CheckLinkTarget(string root, string linkRelativePath, string target)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(target);
        var link = Resolve(root, linkRelativePath);
        CheckCharacters(target);
        var fullRoot = Path.GetFullPath(root);
        var resolved = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(Path.GetDirectoryName(link)!, target));
        if (!IsUnder(fullRoot, resolved))
        {
            throw new UnsafePathException(target, $"link target leads outside {fullRoot}");
        }

        return target;
    }

    private static List<string> Segments(string relativePath)
    {
        if (relativePath.Length == 0)
        {
            throw new UnsafePathException(relativePath, "empty path");
        }

        CheckCharacters(relativePath);
        if (relativePath.StartsWith('/') || relativePath.StartsWith('~'))
        {
            throw new UnsafePathException(relativePath, "absolute paths are not allowed here");
        }

        var segments = new List<string>();
        foreach (var segment in relativePath.Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                throw new UnsafePathException(relativePath, "'..' segments are not allowed");
            }

            segments.Add(segment);
        }

        if (segments.Count == 0)
        {
            throw new UnsafePathException(relativePath, "the path names no file");
        }

        return segments;
    }

    private static void CheckCharacters(string path)
    {
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new UnsafePathException(path, "contains a NUL byte");
        }

        if (path.Contains('\\', StringComparison.Ordinal))
        {
            throw new UnsafePathException(path, "contains a backslash");
        }

        if (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0]))
        {
            throw new UnsafePathException(path, "absolute (drive-letter) paths are not allowed");
        }

        foreach (var c in path)
        {
            if (char.IsControl(c))
            {
                throw new UnsafePathException(path, $"contains control character U+{(int)c:X4}");
            }
        }
    }

    private static void CheckNotEscapingLink(string fullRoot, string directory, string original)
    {
        FileSystemInfo info = new DirectoryInfo(directory);
        if (!info.Exists)
        {
            info = new FileInfo(directory);
            if (!info.Exists)
            {
                return; // will be created as a plain directory
            }
        }

        // What the lstat of Exists found: a symbolic link is a reparse point. Only a link is read (readlink).
        if (!info.Attributes.HasFlag(FileAttributes.ReparsePoint) || info.LinkTarget is null)
        {
            return;
        }

        var final = info.ResolveLinkTarget(returnFinalTarget: true);
        var resolved = final is null ? directory : Path.GetFullPath(final.FullName);
        var realRoot = RealPath(fullRoot);
        if (!IsUnder(realRoot, resolved) && !IsUnder(fullRoot, resolved))
        {
            throw new UnsafePathException(original, $"directory {directory} is a symbolic link leading outside {fullRoot} (to {resolved})");
        }
    }

    private static string RealPath(string path)
    {
        var info = new DirectoryInfo(path);
        var target = info.LinkTarget is null ? null : info.ResolveLinkTarget(returnFinalTarget: true);
        return target is null ? path : Path.GetFullPath(target.FullName);
    }

    private static bool IsUnder(string root, string path)
    {
        var r = root.TrimEnd('/');
        return path == r || path.StartsWith(r + "/", StringComparison.Ordinal) || r.Length == 0;
    }
}

namespace Sluice.Core.Work;

/// <summary>Applies <see cref="MetadataOptions"/> to a received file, as sr3 does after a download.</summary>
internal static class FileMetadata
{
    /// <summary>
    /// Sets mode (from <paramref name="mode"/> when permCopy, else permDefault when non-zero) and
    /// times (from <paramref name="mtime"/>/<paramref name="atime"/> when timeCopy).
    /// </summary>
    public static void Apply(string path, MetadataOptions options, DateTimeOffset? mtime, DateTimeOffset? atime, int? mode)
    {
        ArgumentNullException.ThrowIfNull(options);
        var chosen = options.PermCopy && mode is not null ? mode.Value & 0xFFF : options.PermDefault;
        if (chosen != 0 && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)chosen);
        }

        if (options.TimeCopy)
        {
            if (mtime is { } m)
            {
                File.SetLastWriteTimeUtc(path, m.UtcDateTime);
            }

            if ((atime ?? mtime) is { } a)
            {
                File.SetLastAccessTimeUtc(path, a.UtcDateTime);
            }
        }
    }

    /// <summary>Creates <paramref name="directory"/> and missing parents with permDirDefault.</summary>
    public static void CreateDirectory(string directory, MetadataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Directory.Exists(directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows() || options.PermDirDefault == 0)
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, (UnixFileMode)options.PermDirDefault);
        }
    }
}

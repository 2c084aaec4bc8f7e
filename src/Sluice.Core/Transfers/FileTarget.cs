namespace Sluice.Core.Transfers;

/// <summary>
/// Opens a local file to be written from its start: created, or emptied when it has something in it. Not with
/// <see cref="FileMode.Create"/>: the runtime truncates what it opens with it, also a file it has just created, and
/// ext4 writes a file truncated to nothing out to disk as soon as it is closed (its auto_da_alloc safeguard for files
/// replaced by truncation): one disk write started by the closing thread, per file received, where a new file
/// otherwise waits for the kernel's writeback with the others.
/// </summary>
internal static class FileTarget
{
    /// <summary>
    /// Opens <paramref name="path"/>, unbuffered, at its start; what it holds is kept when it is no longer than
    /// <paramref name="keepUpTo"/> bytes (a download resumed), else emptied.
    /// </summary>
    public static FileStream Open(string path, FileAccess access = FileAccess.Write, FileOptions options = FileOptions.None, long keepUpTo = 0)
    {
        var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = access, BufferSize = 0, Options = options });
        try
        {
            if (file.Length > keepUpTo)
            {
                file.SetLength(0);
            }

            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }
}

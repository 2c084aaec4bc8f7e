using System.Security.Cryptography;

namespace Sluice.Transfers.Tests;

/// <summary>Temp dirs and test files of the transfer tests.</summary>
internal static class TestEnvironment
{
    public static string TempDirectory(string purpose)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"sluice-transfers-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Writes a file of pseudo-random bytes and returns its sha512 in base64 (as sr3 writes identities).</summary>
    public static string WriteRandomFile(string path, long size, int seed = 1)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var random = new Random(seed);
        var buffer = new byte[1024 * 1024];
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA512);
        using var file = File.Create(path);
        long left = size;
        while (left > 0)
        {
            random.NextBytes(buffer);
            var n = (int)Math.Min(buffer.Length, left);
            file.Write(buffer, 0, n);
            hash.AppendData(buffer, 0, n);
            left -= n;
        }

        return Convert.ToBase64String(hash.GetHashAndReset());
    }

    public static string Sha512Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToBase64String(SHA512.HashData(file));
    }
}

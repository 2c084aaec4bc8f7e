using System.Diagnostics;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Sluice.Core.Checksums;

namespace Sluice.Benchmarks.Checksums;

/// <summary>
/// sha512 identity of a 1 MiB and a 64 MiB file, beside the raw limits measured on the same file in the
/// same run: SHA512.HashData over the bytes already in memory, and the coreutils sha512sum program.
/// </summary>
[MemoryDiagnoser]
public class IdentityBenchmarks
{
    private string _path = string.Empty;
    private byte[] _bytes = [];

    [Params(1 << 20, 64 << 20)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _path = Path.Combine(Path.GetTempPath(), $"sluice-bench-{Size}.bin");
        _bytes = new byte[Size];
        new Random(42).NextBytes(_bytes);
        File.WriteAllBytes(_path, _bytes);
    }

    [GlobalCleanup]
    public void Cleanup() => File.Delete(_path);

    [Benchmark(Baseline = true, Description = "raw: SHA512.HashData in memory")]
    public int RawInMemory() => SHA512.HashData(_bytes).Length;

    [Benchmark(Description = "sluice: file identity sha512")]
    public async Task<string?> SluiceFileIdentity() =>
        (await FileIdentity.ComputeAsync(_path, IdentitySetting.Default, CancellationToken.None).ConfigureAwait(false))!.Value;

    [Benchmark(Description = "raw: sha512sum process")]
    public string Sha512Sum()
    {
        var info = new ProcessStartInfo("sha512sum", _path) { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return output;
    }
}

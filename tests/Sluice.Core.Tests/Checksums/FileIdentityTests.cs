using Sluice.Core.Checksums;

namespace Sluice.Core.Tests.Checksums;

public class FileIdentityTests
{
    private static string HexToBase64(string toolOutput) => Convert.ToBase64String(Convert.FromHexString(toolOutput.Split(' ')[0].Trim()));

    private static string MakeFile(TempDirectory dir, string name, long size)
    {
        var path = dir.File(name);
        using var stream = File.Create(path);
        var random = new Random(unchecked((int)size) ^ 12345);
        var buffer = new byte[64 * 1024];
        for (long written = 0; written < size; written += buffer.Length)
        {
            random.NextBytes(buffer);
            stream.Write(buffer, 0, (int)Math.Min(buffer.Length, size - written));
        }

        return path;
    }

    [Theory]
    [InlineData("sha512", "sha512sum", 0)]
    [InlineData("sha512", "sha512sum", 1)]
    [InlineData("sha512", "sha512sum", (1 << 20) + 7)]
    [InlineData("sha512", "sha512sum", (9 << 20) + 3)]
    [InlineData("md5", "md5sum", 43)]
    [InlineData("md5", "md5sum", (3 << 20) + 1)]
    [InlineData("sha256", "sha256sum", 4096)]
    [InlineData("sha384", "sha384sum", 100_000)]
    public async Task Identity_matches_the_coreutils_checksum_of_the_same_file(string method, string tool, long size)
    {
        using var dir = new TempDirectory();
        var path = MakeFile(dir, "data with space é.bin", size);

        var identity = await FileIdentity.ComputeAsync(path, IdentitySetting.Parse(method), CancellationToken.None, bufferSize: 64 * 1024);

        Assert.NotNull(identity);
        Assert.Equal(method, identity.Method);
        Assert.Equal(HexToBase64(ProcessRunner.Run(tool, path)), identity.Value);
    }

    [Fact]
    public async Task Each_block_identity_matches_the_checksum_of_that_byte_range()
    {
        using var dir = new TempDirectory();
        const long blockSize = 1 << 20;
        var path = MakeFile(dir, "big.bin", (3 * blockSize) + 12345);

        var plan = await FileIdentity.ComputeBlocksAsync(path, blockSize, IdentityMethods.Sha512, CancellationToken.None, bufferSize: 100_000);

        Assert.Equal(4, plan.Count);
        Assert.Equal(12345, plan.Remainder);
        Assert.Equal([blockSize, blockSize, blockSize, 12345L], plan.Manifest!.Select(b => b.Size));
        var bytes = await File.ReadAllBytesAsync(path);
        for (var n = 0; n < plan.Count; n++)
        {
            var piece = dir.File($"piece{n}");
            await File.WriteAllBytesAsync(piece, bytes.AsSpan((int)plan.OffsetOf(n), (int)plan.SizeOf(n)).ToArray());
            Assert.Equal(HexToBase64(ProcessRunner.Run("sha512sum", piece)), plan.Manifest![n].Identity);
        }
    }

    [Fact]
    public void Block_plan_cuts_a_25_MiB_file_as_sr3_did()
    {
        // amqp_v03/post_blocks_25MiB_block*.json: blockSize 10485760 gives 10 MiB, 10 MiB, 5 MiB.
        var plan = BlockPlan.For(25L << 20, 10485760);
        Assert.Equal(3, plan.Count);
        Assert.Equal([10485760L, 10485760L, 5242880L], Enumerable.Range(0, 3).Select(n => plan.SizeOf(n)));
        Assert.Equal(20971520, plan.OffsetOf(2));
    }

    [Theory]
    [InlineData(0, 1, 1)]
    [InlineData(10, 1, 1)]
    [InlineData(100L << 20, 0, 2)]
    [InlineData(50L << 20, 0, 1)]
    [InlineData(20, 10, 2)]
    [InlineData(21, 10, 3)]
    public void Block_plan_follows_the_blockSize_setting(long fileSize, long setting, long count)
    {
        var plan = BlockPlan.For(fileSize, setting);
        Assert.Equal(count, plan.Count);
        Assert.Equal(fileSize, Enumerable.Range(0, (int)plan.Count).Sum(n => plan.SizeOf(n)));
    }

    [Theory]
    [InlineData("sha512", "sha512", null)]
    [InlineData("md5", "md5", null)]
    [InlineData("cod,sha512", "cod", "sha512")]
    [InlineData("cod,md5", "cod", "md5")]
    [InlineData("none", "none", null)]
    [InlineData("random", "random", null)]
    [InlineData("arbitrary", "arbitrary", null)]
    public void Identity_setting_reads_every_sr3_method(string text, string method, string? cod)
    {
        var setting = IdentitySetting.Parse(text);
        Assert.Equal(method, setting.Method);
        Assert.Equal(cod, setting.CodAlgorithm);
        Assert.Equal(text, setting.ToString());
    }

    [Theory]
    [InlineData("sha1")]
    [InlineData("cod,crc32")]
    public void Unknown_identity_setting_is_refused_with_the_known_methods(string text)
    {
        var ex = Assert.Throws<FormatException>(() => IdentitySetting.Parse(text));
        Assert.Contains("sha512", ex.Message);
    }

    [Fact]
    public async Task Cod_and_none_do_not_read_the_file()
    {
        var missing = Path.Combine(Path.GetTempPath(), "does-not-exist-" + Guid.NewGuid());
        Assert.Null(await FileIdentity.ComputeAsync(missing, IdentitySetting.None, CancellationToken.None));
        var cod = await FileIdentity.ComputeAsync(missing, IdentitySetting.Parse("cod,md5"), CancellationToken.None);
        Assert.Equal(new Sluice.Core.Messages.Identity("cod", "md5"), cod);
        var arbitrary = await FileIdentity.ComputeAsync(missing, IdentitySetting.Parse("arbitrary") with { ArbitraryValue = "v1" }, CancellationToken.None);
        Assert.Equal("v1", arbitrary!.Value);
    }

    [Fact]
    public async Task Random_identity_differs_each_time()
    {
        using var dir = new TempDirectory();
        var path = MakeFile(dir, "f", 10);
        var a = await FileIdentity.ComputeAsync(path, IdentitySetting.Parse("random"), CancellationToken.None);
        var b = await FileIdentity.ComputeAsync(path, IdentitySetting.Parse("random"), CancellationToken.None);
        Assert.NotEqual(a!.Value, b!.Value);
    }
}

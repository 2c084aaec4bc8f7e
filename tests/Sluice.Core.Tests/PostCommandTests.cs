using System.Text.Json.Nodes;

namespace Sluice.Core.Tests;

public class PostCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => InProcessCli.Run(args);

    [Fact]
    public void Post_announces_a_tree_with_identities_that_match_sha512sum()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir.File("data/sub"));
        File.WriteAllText(dir.File("data/sub/obs.txt"), "observation\n");
        File.WriteAllBytes(dir.File("data/img.png"), [1, 2, 3]);

        var (code, output, error) = Run("post", "--post_baseUrl", "http://pump.example/", "--post_baseDir", dir.Path, dir.File("data"));

        Assert.Equal(0, code);
        Assert.Empty(error);
        var messages = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["data", "data/img.png", "data/sub", "data/sub/obs.txt"], messages.Select(m => (string?)m["relPath"]));
        var obs = messages[3];
        var hex = ProcessRunner.Run("sha512sum", dir.File("data/sub/obs.txt")).Split(' ')[0];
        Assert.Equal(Convert.ToBase64String(Convert.FromHexString(hex)), (string?)obs["identity"]!["value"]);
        Assert.Equal("image/png", (string?)messages[1]["contentType"]);
    }

    [Fact]
    public void Post_with_outlet_url_prints_each_files_url()
    {
        using var dir = new TempDirectory();
        File.WriteAllText(dir.File("a file.txt"), "x");
        var (code, output, _) = Run("post", "--outlet", "url", "--post_baseUrl", "sftp://pump/", "--post_baseDir", dir.Path, dir.File("a file.txt"));
        Assert.Equal(0, code);
        Assert.Equal("sftp://pump/a file.txt\n", output);
    }

    [Fact]
    public void Post_of_a_missing_path_says_which_and_fails()
    {
        var (code, output, error) = Run("post", "--post_baseUrl", "http://h/", "/nonexistent/x");
        Assert.Equal(1, code);
        Assert.Empty(output);
        Assert.Contains("/nonexistent/x", error);
    }
}

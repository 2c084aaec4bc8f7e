using Sluice.Core.Transfers;

namespace Sluice.Transfers.Tests;

public sealed class PathSafetyTests : IDisposable
{
    private readonly string _root = TestEnvironment.TempDirectory("pathsafety");
    private readonly string _outside = TestEnvironment.TempDirectory("outside");

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    [Theory]
    [InlineData("a/b/c.txt", "a/b/c.txt")]
    [InlineData("./a//b.txt", "a/b.txt")]
    [InlineData("name with spaces é ü.grib2", "name with spaces é ü.grib2")]
    public void Plain_relative_paths_resolve_under_the_root(string relPath, string expected)
    {
        Assert.Equal(Path.Combine(_root, expected), PathSafety.Resolve(_root, relPath));
    }

    [Theory]
    [InlineData("../etc/passwd", "'..'")]
    [InlineData("a/../../x", "'..'")]
    [InlineData("a/b/..", "'..'")]
    [InlineData("/etc/passwd", "absolute")]
    [InlineData("~root/.ssh/authorized_keys", "absolute")]
    [InlineData("a\0b", "NUL")]
    [InlineData("..\\..\\windows", "backslash")]
    [InlineData("a\\b", "backslash")]
    [InlineData("C:/x", "drive-letter")]
    [InlineData("a/\nb", "control character")]
    [InlineData("", "empty")]
    [InlineData("./.", "names no file")]
    public void Hostile_paths_are_refused_with_the_path_and_the_reason(string relPath, string reason)
    {
        var e = Assert.Throws<UnsafePathException>(() => PathSafety.Resolve(_root, relPath));
        Assert.Equal(relPath, e.Path);
        Assert.Contains(reason, e.Reason, StringComparison.Ordinal);
        Assert.Contains("refusing unsafe path", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_that_is_a_symlink_leading_outside_is_refused()
    {
        Directory.CreateSymbolicLink(Path.Combine(_root, "escape"), _outside);
        var e = Assert.Throws<UnsafePathException>(() => PathSafety.Resolve(_root, "escape/file.txt"));
        Assert.Contains("symbolic link leading outside", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_relative_symlink_chain_leading_outside_is_refused()
    {
        Directory.CreateDirectory(Path.Combine(_root, "a"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "a", "up"), "../..");
        Assert.Throws<UnsafePathException>(() => PathSafety.Resolve(_root, "a/up/tmp/file.txt"));
    }

    [Fact]
    public void A_directory_symlink_staying_inside_the_root_is_allowed()
    {
        Directory.CreateDirectory(Path.Combine(_root, "real"));
        Directory.CreateSymbolicLink(Path.Combine(_root, "alias"), "real");
        Assert.Equal(Path.Combine(_root, "alias", "f"), PathSafety.Resolve(_root, "alias/f"));
    }

    [Theory]
    [InlineData("a/link", "../../outside")]
    [InlineData("link", "/etc/passwd")]
    [InlineData("a/b/link", "../../..")]
    public void Link_targets_leading_outside_are_refused(string link, string target)
    {
        var e = Assert.Throws<UnsafePathException>(() => PathSafety.CheckLinkTarget(_root, link, target));
        Assert.Equal(target, e.Path);
    }

    [Theory]
    [InlineData("a/link", "../b/file")]
    [InlineData("a/b/link", "../c")]
    public void Link_targets_inside_the_root_are_allowed(string link, string target)
    {
        Assert.Equal(target, PathSafety.CheckLinkTarget(_root, link, target));
    }
}

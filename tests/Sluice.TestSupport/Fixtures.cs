namespace Sluice.Tests;

/// <summary>Finds the repository and the fixtures captured from real sr3 pumps (tests/fixtures: wire messages and sr3's example configurations).</summary>
public static class Fixtures
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Sr3Messages => Path.Combine(RepositoryRoot, "tests", "fixtures", "sr3");

    public static string Sr3Configs => Path.Combine(RepositoryRoot, "tests", "fixtures", "sr3-configs");

    public static IEnumerable<string> MessageFiles(string subdirectory)
    {
        var dir = Path.Combine(Sr3Messages, subdirectory);
        if (!Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"sr3 fixtures not found at {dir} (tests/fixtures of the repository)");
        }

        return Directory.GetFiles(dir, "*.json").OrderBy(f => f, StringComparer.Ordinal);
    }

    public static byte[] Read(string relative) => File.ReadAllBytes(Path.Combine(Sr3Messages, relative));

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Sluice.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Sluice.slnx not found above " + AppContext.BaseDirectory);
    }
}

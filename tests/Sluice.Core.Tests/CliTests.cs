using Sluice.Cli;

namespace Sluice.Core.Tests;

public class CliTests
{
    [Fact]
    public void Version_prints_the_assembly_version()
    {
        var stdout = new StringWriter();
        var code = SluiceCommand.Run(["--version"], stdout, new StringWriter(), () => Stream.Null);
        Assert.Equal(0, code);
        Assert.StartsWith("0.1.0", stdout.ToString().Trim());
    }
}

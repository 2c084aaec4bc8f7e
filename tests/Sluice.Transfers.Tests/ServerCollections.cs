using Sluice.Tests.Servers;

namespace Sluice.Transfers.Tests;

/// <summary>
/// The servers this assembly's test classes share, one each for the run: the classes of a collection run one after
/// another. xunit reads collection definitions from the test assembly only, hence here and not beside the servers.
/// </summary>
public static class ServerCollections
{
    [CollectionDefinition(Name)]
    public sealed class Sshd : ICollectionFixture<SshdFixture>
    {
        public const string Name = "sshd";
    }

    [CollectionDefinition(Name)]
    public sealed class Vsftpd : ICollectionFixture<VsftpdFixture>
    {
        public const string Name = "vsftpd";
    }
}

using Sluice.Core.Config;

namespace Sluice.Core.Tests.Config;

public class CredentialStoreTests
{
    [Fact]
    public void A_url_without_password_finds_it_with_its_details()
    {
        using var dir = new TempDirectory();
        var path = dir.File("credentials.conf");
        File.WriteAllText(path, "# pump credentials\namqps://alice:s3cret@pump.example:5671/\nsftp://bob@data.example ssh_keyfile=/home/bob/.ssh/id_ed25519\nftp://carol:pw@ftp.example/ active,ascii,tls,prot_p\nhttps://dave:x@api.example bearer_token=tok123\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var store = CredentialStore.Load(path);

        Assert.Equal("amqps://alice:s3cret@pump.example:5671/", store.Complete("amqps://alice@pump.example:5671/"));
        Assert.Equal("/home/bob/.ssh/id_ed25519", store.Find("sftp://bob@data.example/path")!.SshKeyFile);
        var ftp = store.Find("ftp://carol@ftp.example/")!;
        Assert.False(ftp.Passive);
        Assert.False(ftp.Binary);
        Assert.True(ftp.Tls && ftp.ProtP);
        Assert.Equal("tok123", store.Find("https://api.example/v1")!.BearerToken);
        Assert.Null(store.Find("amqps://mallory@pump.example:5671/"));
    }

    [Fact]
    public void A_credentials_file_others_can_read_is_refused_with_the_fix()
    {
        using var dir = new TempDirectory();
        var path = dir.File("credentials.conf");
        File.WriteAllText(path, "amqp://u:topsecret@h/\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var ex = Assert.Throws<ConfigException>(() => CredentialStore.Load(path));
        Assert.Contains($"chmod 600 {path}", ex.Message);
        Assert.DoesNotContain("topsecret", ex.Message);
    }
}

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
    public void A_broker_url_without_a_user_logs_in_as_anonymous_with_the_password_credentials_give_it()
    {
        using var dir = new TempDirectory();
        var path = dir.File("credentials.conf");
        File.WriteAllText(path, "amqps://alice:s3cret@pump.example/\namqp://anonymous:given@other.example/\nmqtt://anonymous:mq@other.example/\nsftp://bob:pw@pump.example/\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var store = CredentialStore.Load(path);

        // Not alice, the only user credentials.conf has for that broker: anonymous, as sr3.
        Assert.Equal("amqps://anonymous:anonymous@pump.example/", store.Complete("amqps://pump.example/"));
        Assert.Equal("amqps://anonymous:anonymous@dd.weather.gc.ca/", CredentialStore.Empty.Complete("amqps://dd.weather.gc.ca/"));
        Assert.Equal("amqp://anonymous:given@other.example/", store.Complete("amqp://other.example/"));
        Assert.Equal("mqtt://anonymous:mq@other.example/", store.Complete("mqtt://other.example/"));

        // MQTT with nothing for anonymous: no user name at all, MQTT's anonymous login (as sr3).
        Assert.Equal("mqtt://pump.example/", store.Complete("mqtt://pump.example/"));
        Assert.Equal("amqps://alice:s3cret@pump.example/", store.Complete("amqps://alice@pump.example/"));

        // A data server's URL without a user still finds its entry.
        Assert.Equal("sftp://bob:pw@pump.example/x", store.Complete("sftp://pump.example/x"));

        var url = Sluice.Core.Brokers.BrokerUrl.Parse("amqps://dd.weather.gc.ca/");
        Assert.Null(url.User);
        Assert.Equal("anonymous", url.EffectiveUser);
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

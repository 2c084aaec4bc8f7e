using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Sluice.Daemon.DataServer;

namespace Sluice.Transfers.Tests;

/// <summary>
/// Starts the pump's data server three times on free loopback ports: plain http, https with a
/// self-signed certificate, http with basic authentication, and a writable http one (walt writes, anne only
/// reads, anyone reads). Stopped at the end.
/// </summary>
public sealed class DataServerFixture : IAsyncLifetime
{
    public string Root { get; } = TestEnvironment.TempDirectory("www");

    public string BearerToken { get; } = "tok-" + Guid.NewGuid().ToString("N");

    public DataServer Http { get; private set; } = null!;

    public DataServer Https { get; private set; } = null!;

    public DataServer Private { get; private set; } = null!;

    public DataServer Writable { get; private set; } = null!;

    /// <summary>The writable server's URL with a user's credentials (walt: writer, anne: reader).</summary>
    public string WritableUrl(string user) => Writable.BaseUrl.Replace("http://", $"http://{user}:pw-{user}@", StringComparison.Ordinal);

    public async Task InitializeAsync()
    {
        Http = new DataServer(new DataServerOptions { Root = Root, BindAddress = IPAddress.Loopback, Port = 0 });
        await Http.StartAsync(CancellationToken.None);
        Https = new DataServer(new DataServerOptions { Root = Root, Port = 0, Certificate = SelfSigned() });
        await Https.StartAsync(CancellationToken.None);
        Private = new DataServer(new DataServerOptions { Root = Root, Port = 0, Users = new Dictionary<string, string> { ["anne"] = "s3cr:et" }, BearerTokens = new HashSet<string> { BearerToken } });
        await Private.StartAsync(CancellationToken.None);
        Writable = new DataServer(new DataServerOptions
        {
            Root = Root,
            Port = 0,
            Users = new Dictionary<string, string> { ["anne"] = "pw-anne", ["walt"] = "pw-walt" },
            Writers = new HashSet<string> { "walt" },
            AnonymousRead = true,
        });
        await Writable.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await Http.DisposeAsync();
        await Https.DisposeAsync();
        await Private.DisposeAsync();
        await Writable.DisposeAsync();
        Directory.Delete(Root, recursive: true);
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }
}

[CollectionDefinition(Name)]
public sealed class DataServerCollection : ICollectionFixture<DataServerFixture>
{
    public const string Name = "data server";
}

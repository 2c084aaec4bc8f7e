using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sluice.Tests.Servers;

/// <summary>
/// Runs Debian's vsftpd three times in the foreground on free loopback ports (plain ftp, explicit
/// TLS, implicit FTPS), each with its own passive port range, a self-signed certificate and a local
/// test user with a password, all configured in a temp dir. Stopped by pid.
/// </summary>
public sealed class VsftpdFixture : IAsyncLifetime
{
    private const string Vsftpd = "/usr/sbin/vsftpd";
    private readonly List<Process> _servers = [];
    private readonly TempDirectory _directory = new();
    private readonly LocalUser _user;

    public VsftpdFixture()
    {
        _user = new LocalUser("slf", Path.Combine(Directory, "home"));
    }

    public string Directory => _directory.Path;

    public string User => _user.Name;

    public string Password => _user.Password;

    public string Home => _user.Home;

    public int PlainPort { get; private set; }

    public int ExplicitPort { get; private set; }

    public int ImplicitPort { get; private set; }

    public string Url(int port, string scheme = "ftp") => $"{scheme}://{User}:{Password}@127.0.0.1:{port}/";

    public async Task InitializeAsync()
    {
        if (!File.Exists(Vsftpd))
        {
            throw new InvalidOperationException($"{Vsftpd} is missing: install Debian's vsftpd (apt-get install vsftpd, or run scripts/install-servers)");
        }

        await _user.CreateAsync();
        System.IO.Directory.CreateDirectory("/var/run/vsftpd/empty");

        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(Directory, "cert.pem"), certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(Path.Combine(Directory, "key.pem"), key.ExportPkcs8PrivateKeyPem());

        // Passive ports above those of Ports (vsftpd tries another port of its range when one is taken).
        var passive = Random.Shared.Next(33000, 60000);
        PlainPort = await StartAsync("plain", passive, string.Empty);
        ExplicitPort = await StartAsync("explicit", passive + 100, "ssl_enable=YES\nforce_local_logins_ssl=NO\nforce_local_data_ssl=NO\n");
        ImplicitPort = await StartAsync("implicit", passive + 200, "ssl_enable=YES\nimplicit_ssl=YES\n");
    }

    /// <summary>
    /// Kills every session process of the plain server (the server dies under its clients), leaving
    /// the listener to accept new connections.
    /// </summary>
    public void KillPlainSessions()
    {
        foreach (var pid in Descendants(_servers[0].Id))
        {
            try
            {
                using var session = Process.GetProcessById(pid);
                session.Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
        }
    }

    private static List<int> Descendants(int pid)
    {
        var all = new List<int>();
        var path = $"/proc/{pid}/task/{pid}/children";
        if (!File.Exists(path))
        {
            return all;
        }

        foreach (var child in File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse))
        {
            all.Add(child);
            all.AddRange(Descendants(child));
        }

        return all;
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            if (!server.HasExited)
            {
                server.Kill(entireProcessTree: true);
                await server.WaitForExitAsync();
            }

            server.Dispose();
        }

        await _user.DeleteAsync();
        _directory.Dispose();
    }

    private async Task<int> StartAsync(string name, int passiveMin, string extra)
    {
        var port = Ports.Free();
        var config = Path.Combine(Directory, $"{name}.conf");
        await File.WriteAllTextAsync(config, $"""
            listen=YES
            listen_ipv6=NO
            listen_address=127.0.0.1
            listen_port={port}
            background=NO
            seccomp_sandbox=NO
            anonymous_enable=NO
            local_enable=YES
            write_enable=YES
            local_umask=022
            pam_service_name=vsftpd
            secure_chroot_dir=/var/run/vsftpd/empty
            pasv_enable=YES
            pasv_min_port={passiveMin}
            pasv_max_port={passiveMin + 99}
            pasv_address=127.0.0.1
            port_enable=YES
            connect_from_port_20=NO
            utf8_filesystem=YES
            userlist_enable=NO
            xferlog_enable=NO
            rsa_cert_file={Path.Combine(Directory, "cert.pem")}
            rsa_private_key_file={Path.Combine(Directory, "key.pem")}
            require_ssl_reuse=NO
            ssl_tlsv1=NO
            ssl_sslv2=NO
            ssl_sslv3=NO
            {extra}
            """.Replace("\n            ", "\n", StringComparison.Ordinal));
        var process = Process.Start(new ProcessStartInfo(Vsftpd, [config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        _servers.Add(process);
        var output = new ServerOutput();
        output.Attach(process);
        await Ports.WaitOpenOrExplainAsync($"vsftpd ({name})", port, process, output.ToString);
        return port;
    }
}

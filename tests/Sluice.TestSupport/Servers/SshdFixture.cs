using System.Diagnostics;

namespace Sluice.Tests.Servers;

/// <summary>
/// Runs Debian's OpenSSH server in the foreground on a free loopback port, with a host key, a
/// config and a test user (key and password) of its own, all in a temp dir. Stopped by pid.
/// </summary>
public sealed class SshdFixture : IAsyncLifetime
{
    private const string Sshd = "/usr/sbin/sshd";
    private readonly TempDirectory _directory = new();
    private readonly LocalUser _user;
    private Process? _sshd;

    public SshdFixture()
    {
        _user = new LocalUser("slt", Path.Combine(Directory, "home"));
    }

    public string Directory => _directory.Path;

    public string User => _user.Name;

    public string Password => _user.Password;

    public string Home => _user.Home;

    public string ClientKey => Path.Combine(Directory, "client_key");

    public int Port { get; private set; }

    public string Url => $"sftp://{User}@127.0.0.1:{Port}/";

    /// <summary>A second port of the same sshd, where the sftp subsystem is a script that breaks the protocol as <see cref="BogusMode"/> says.</summary>
    public int BogusPort { get; private set; }

    public string BogusUrl => $"sftp://{User}@127.0.0.1:{BogusPort}/";

    /// <summary>What the script on <see cref="BogusPort"/> does: <c>huge</c> (announces a packet of 2 GiB), <c>silent</c> (never answers), <c>wrong</c> (answers the first packet with a status), and, after a version and a handle, <c>overlong</c> (1,000,000 bytes of data for a read of less) or <c>stranger</c> (data for a request never made).</summary>
    public string BogusMode
    {
        set => File.WriteAllText(Path.Combine(Directory, "bogus-mode"), value);
    }

    /// <summary>sshd's log lines naming the cipher each connection negotiated, in order.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string> Ciphers { get; } = new();

    public async Task InitializeAsync()
    {
        if (!File.Exists(Sshd))
        {
            throw new InvalidOperationException($"{Sshd} is missing: install Debian's openssh-server (apt-get install openssh-server, or run scripts/install-servers)");
        }

        await ProcessRunner.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(Directory, "host_key")]);
        await ProcessRunner.RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", ClientKey]);
        await _user.CreateAsync();
        File.Copy(ClientKey + ".pub", Path.Combine(Directory, "authorized_keys"));
        System.IO.Directory.CreateDirectory("/run/sshd");
        Port = Ports.Free();
        BogusPort = Ports.Free();
        var bogus = Path.Combine(Directory, "bogus-sftp");
        await File.WriteAllTextAsync(bogus, $$"""
            #!/bin/sh
            case "$(cat {{Path.Combine(Directory, "bogus-mode")}})" in
              huge) printf '\177\377\377\377\002' ;;
              wrong) printf '\000\000\000\005\145\000\000\000\000' ;;
              overlong) printf '\0\0\0\5\2\0\0\0\3\0\0\0\12\146\0\0\0\1\0\0\0\1h\0\0\0\14\147\0\0\0\2\0\17\102\100abc' ;;
              stranger) printf '\0\0\0\5\2\0\0\0\3\0\0\0\12\146\0\0\0\1\0\0\0\1h\0\0\0\14\147\0\0\0\11\0\0\0\3abc' ;;
            esac
            exec cat > /dev/null
            """);
        File.SetUnixFileMode(bogus, (UnixFileMode)0b111_101_101);
        BogusMode = "silent";
        await File.WriteAllTextAsync(Path.Combine(Directory, "sshd_config"), $"""
            ListenAddress 127.0.0.1
            HostKey {Path.Combine(Directory, "host_key")}
            PidFile {Path.Combine(Directory, "sshd.pid")}
            AuthorizedKeysFile {Path.Combine(Directory, "authorized_keys")}
            StrictModes no
            UsePAM no
            PasswordAuthentication yes
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            AllowUsers {User}
            Subsystem sftp internal-sftp
            MaxStartups 100
            MaxSessions 100
            LogLevel DEBUG1
            Match LocalPort {BogusPort}
                ForceCommand {bogus}
            """);
        await StartAsync();
    }

    /// <summary>(Re)starts sshd on <see cref="Port"/> and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        _sshd = Process.Start(new ProcessStartInfo(Sshd, ["-D", "-e", "-f", Path.Combine(Directory, "sshd_config"), "-p", Port.ToString(), "-p", BogusPort.ToString()]) { RedirectStandardError = true })!;
        var output = new ServerOutput();
        output.Attach(_sshd, line =>
        {
            if (line.Contains("kex: client->server cipher:", StringComparison.Ordinal))
            {
                Ciphers.Enqueue(line);
            }
        });
        await Ports.WaitOpenOrExplainAsync("sshd", Port, _sshd, output.ToString);
    }

    /// <summary>Kills sshd and every session process it started (the server dies).</summary>
    public async Task KillAsync()
    {
        if (_sshd is { HasExited: false } sshd)
        {
            sshd.Kill(entireProcessTree: true);
            await sshd.WaitForExitAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await KillAsync();
        _sshd?.Dispose();
        await _user.DeleteAsync();
        _directory.Dispose();
    }
}

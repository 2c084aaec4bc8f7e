using System.Diagnostics;
using Sluice.Tests.Servers;

namespace Sluice.Transfers.Tests;

/// <summary>
/// Runs Debian's OpenSSH server in the foreground on a free loopback port, with a host key, a
/// config and a test user (key and password) of its own, all in a temp dir. Stopped by pid.
/// </summary>
public sealed class SshdFixture : IAsyncLifetime
{
    private const string Sshd = "/usr/sbin/sshd";
    private Process? _sshd;

    public string Directory { get; } = TestEnvironment.TempDirectory("sshd");

    public string User { get; } = "slt" + Guid.NewGuid().ToString("N")[..8];

    public string Password { get; } = "pw-" + Guid.NewGuid().ToString("N")[..12];

    public string Home => Path.Combine(Directory, "home");

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

        await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(Directory, "host_key"));
        await RunAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ClientKey);
        await RunAsync("useradd", "-M", "-d", Home, "-s", "/bin/sh", User);
        System.IO.Directory.CreateDirectory(Home);
        await RunAsync("chown", $"{User}:", Home);
        var chpasswd = Process.Start(new ProcessStartInfo("chpasswd") { RedirectStandardInput = true })!;
        await chpasswd.StandardInput.WriteLineAsync($"{User}:{Password}");
        chpasswd.StandardInput.Close();
        await chpasswd.WaitForExitAsync();
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
        await RunAsync("userdel", User);
        System.IO.Directory.Delete(Directory, recursive: true);
    }


    private static async Task RunAsync(string command, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(command, args) { RedirectStandardError = true })!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} {string.Join(' ', args)} failed ({process.ExitCode}): {error}");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SshdCollection : ICollectionFixture<SshdFixture>
{
    public const string Name = "sshd";
}

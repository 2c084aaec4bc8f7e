using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sluice.Core.Transfers;
using Sluice.Daemon.DataServer;
using Sluice.Transfers.Sftp;

namespace Sluice.Benchmarks.Transfers;

/// <summary>
/// `dotnet run -c Release --project bench/Sluice.Benchmarks -- transfers [smallCount] [largeCount] [largeMiB]`:
/// downloads many small and a few large files over http (the pump's data server) and sftp
/// (OpenSSH's sshd) from loopback, with Sluice and, in the same run, with curl and OpenSSH's sftp
/// fetching the same files. Prints a markdown table. Run as root (it creates a test user for sshd).
/// </summary>
internal static class TransferBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var smallCount = args.Length > 0 ? int.Parse(args[0]) : 2000;
        var largeCount = args.Length > 1 ? int.Parse(args[1]) : 8;
        var largeMiB = args.Length > 2 ? int.Parse(args[2]) : 256;
        var root = Path.Combine(Path.GetTempPath(), "sluice-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var data = Path.Combine(root, "home");
        var rows = new List<string>();
        try
        {
            Console.Error.WriteLine($"writing {smallCount} x 4 KiB and {largeCount} x {largeMiB} MiB files under {data}");
            var small = Enumerable.Range(0, smallCount).Select(i => $"small/f{i:D5}.bin").ToList();
            var large = Enumerable.Range(0, largeCount).Select(i => $"large/L{i}.bin").ToList();
            Directory.CreateDirectory(Path.Combine(data, "small"));
            Directory.CreateDirectory(Path.Combine(data, "large"));
            var buffer = new byte[4096];
            foreach (var f in small)
            {
                Random.Shared.NextBytes(buffer);
                await File.WriteAllBytesAsync(Path.Combine(data, f), buffer);
            }

            var block = new byte[1024 * 1024];
            Random.Shared.NextBytes(block);
            foreach (var f in large)
            {
                await using var file = File.Create(Path.Combine(data, f));
                for (var i = 0; i < largeMiB; i++)
                {
                    block[i % block.Length] ^= 0x5a;
                    await file.WriteAsync(block);
                }
            }

            await using var server = new DataServer(new DataServerOptions { Root = data, Port = 0 });
            await server.StartAsync(CancellationToken.None);
            await using (var http = new HttpTransfer(new TransferOptions { Url = server.BaseUrl }))
            {
                rows.Add(Row("http", "sluice", small, 4096, await SluiceAsync(http, small, Out(root))));
                rows.Add(Row("http", "curl", small, 4096, Curl(server.BaseUrl, small, Out(root))));
                rows.Add(Row("http", "sluice", large, largeMiB * 1048576L, await SluiceAsync(http, large, Out(root))));
                rows.Add(Row("http", "curl", large, largeMiB * 1048576L, Curl(server.BaseUrl, large, Out(root))));
            }

            await using var sshd = await Sshd.StartAsync(root, data);
            await using (var sftp = new SftpTransfer(new TransferOptions { Url = sshd.Url, SshKeyFile = sshd.Key }))
            {
                await sftp.ConnectAsync(CancellationToken.None);
                rows.Add(Row("sftp", "sluice", small, 4096, await SluiceAsync(sftp, small, Out(root))));
                rows.Add(Row("sftp", "OpenSSH sftp", small, 4096, sshd.Sftp(small, Out(root))));
                rows.Add(Row("sftp", "sluice", large, largeMiB * 1048576L, await SluiceAsync(sftp, large, Out(root))));
                rows.Add(Row("sftp", "OpenSSH sftp", large, largeMiB * 1048576L, sshd.Sftp(large, Out(root))));
            }

            Console.WriteLine("| protocol | client | files | size each | seconds | files/s | MiB/s |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---:|");
            rows.ForEach(Console.WriteLine);
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Out(string root)
    {
        var dir = Path.Combine(root, "out-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    private static string Row(string protocol, string client, List<string> files, long size, TimeSpan elapsed)
    {
        var s = elapsed.TotalSeconds;
        return $"| {protocol} | {client} | {files.Count} | {(size >= 1048576 ? $"{size / 1048576} MiB" : $"{size / 1024} KiB")} | {s:0.00} | {files.Count / s:0} | {files.Count * size / 1048576.0 / s:0.0} |";
    }

    private static async Task<TimeSpan> SluiceAsync(ITransfer transfer, List<string> files, string output)
    {
        var watch = Stopwatch.StartNew();
        foreach (var f in files)
        {
            var size = new FileInfo(Path.Combine(output, "..", "home", f)).Length;
            await Receiver.ReceiveAsync(transfer, new ReceiveRequest { RemotePath = f, Directory = output, RelPath = f, ExpectedSize = size }, new ReceiveOptions(), CancellationToken.None);
        }

        watch.Stop();
        Directory.Delete(output, recursive: true);
        return watch.Elapsed;
    }

    private static TimeSpan Curl(string baseUrl, List<string> files, string output)
    {
        var config = Path.Combine(output, "curl.cfg");
        File.WriteAllLines(config, files.SelectMany(f => new[] { $"url = \"{baseUrl}{f}\"", $"output = \"{Path.Combine(output, f)}\"" }));
        var watch = Stopwatch.StartNew();
        Run("curl", "-s", "-f", "--create-dirs", "-K", config);
        watch.Stop();
        Directory.Delete(output, recursive: true);
        return watch.Elapsed;
    }

    internal static void Run(string command, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(command, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{command} failed ({process.ExitCode}): {error}");
        }
    }

    /// <summary>A throw-away OpenSSH server on a free loopback port, with a user whose home is the data directory.</summary>
    internal sealed class Sshd : IAsyncDisposable
    {
        private Process _process = null!;
        private string _user = null!;
        private string _dir = null!;
        private int _port;

        public string Key => Path.Combine(_dir, "key");

        public string Url => $"sftp://{_user}@127.0.0.1:{_port}/";

        public static async Task<Sshd> StartAsync(string root, string home)
        {
            var s = new Sshd { _dir = Path.Combine(root, "sshd"), _user = "slb" + Guid.NewGuid().ToString("N")[..8] };
            Directory.CreateDirectory(s._dir);
            Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(s._dir, "host"));
            Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", s.Key);
            Run("useradd", "-M", "-d", home, "-s", "/bin/sh", s._user);
            Run("usermod", "-p", "*", s._user);
            Directory.CreateDirectory("/run/sshd");
            using (var l = new TcpListener(IPAddress.Loopback, 0))
            {
                l.Start();
                s._port = ((IPEndPoint)l.LocalEndpoint).Port;
            }

            var config = Path.Combine(s._dir, "sshd_config");
            await File.WriteAllTextAsync(config, $"ListenAddress 127.0.0.1\nHostKey {Path.Combine(s._dir, "host")}\nPidFile {Path.Combine(s._dir, "pid")}\nAuthorizedKeysFile {s.Key}.pub\nStrictModes no\nUsePAM no\nPasswordAuthentication no\nAllowUsers {s._user}\nSubsystem sftp internal-sftp\n");
            s._process = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", config, "-p", s._port.ToString()]) { RedirectStandardError = true })!;
            s._process.BeginErrorReadLine();
            for (var i = 0; i < 200; i++)
            {
                try
                {
                    using var probe = new TcpClient();
                    await probe.ConnectAsync(IPAddress.Loopback, s._port);
                    break;
                }
                catch (SocketException)
                {
                    await Task.Delay(50);
                }
            }

            return s;
        }

        public TimeSpan Sftp(List<string> files, string output)
        {
            var batch = Path.Combine(output, "batch");
            foreach (var d in files.Select(f => Path.GetDirectoryName(f)!).Distinct())
            {
                Directory.CreateDirectory(Path.Combine(output, d));
            }

            File.WriteAllLines(batch, files.Select(f => $"get \"{f}\" \"{Path.Combine(output, f)}\""));
            var watch = Stopwatch.StartNew();
            Run("sftp", "-q", "-b", batch, "-i", Key, "-P", _port.ToString(), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", $"{_user}@127.0.0.1");
            watch.Stop();
            Directory.Delete(output, recursive: true);
            return watch.Elapsed;
        }

        /// <summary>OpenSSH's sftp listing a directory (<c>ls -l</c>) into nothing: the raw cost of an sftp listing.</summary>
        public TimeSpan Ls(string directory, string scratch)
        {
            var batch = Path.Combine(scratch, "ls-batch");
            File.WriteAllText(batch, $"ls -l \"{directory}\"\n");
            var watch = Stopwatch.StartNew();
            Run("sftp", "-q", "-b", batch, "-i", Key, "-P", _port.ToString(), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", $"{_user}@127.0.0.1");
            watch.Stop();
            File.Delete(batch);
            return watch.Elapsed;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
            Run("userdel", _user);
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Sluice.Core.Transfers;
using Sluice.Core.Work;
using Sluice.Transfers.Sftp;

namespace Sluice.Benchmarks.Transfers;

/// <summary>
/// `dotnet run -c Release --project bench/Sluice.Benchmarks -- transfers [small] [large] [largeMiB] [runs] [parallel] [only]`:
/// downloads many small and a few large files over http and sftp from loopback servers, each in a process of its
/// own (nginx and the pump's data server for http, OpenSSH's sshd for sftp), with Sluice's <see cref="Receiver"/>
/// and, interleaved in the same run, with curl and OpenSSH's sftp fetching the same files with the same
/// parallelism. Prints the medians as a markdown table. Run as root (it creates a test user for sshd). <c>only</c>
/// (<c>http</c>, <c>nginx</c> or <c>sftp</c>) leaves the other servers out.
/// </summary>
internal static class TransferBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var smallCount = args.Length > 0 ? int.Parse(args[0]) : 2000;
        var largeCount = args.Length > 1 ? int.Parse(args[1]) : 8;
        var largeMiB = args.Length > 2 ? int.Parse(args[2]) : 256;
        var runs = args.Length > 3 ? int.Parse(args[3]) : 3;
        var parallel = args.Length > 4 ? int.Parse(args[4]) : 4;
        var only = args.Length > 5 ? args[5] : "all";
        var withHttp = only is "all" or "http" or "nginx";
        var root = Path.Combine(Path.GetTempPath(), "sluice-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var data = Path.Combine(root, "home");
        var rows = new List<string>();
        try
        {
            Console.Error.WriteLine($"writing {smallCount} x 4 KiB and {largeCount} x {largeMiB} MiB files under {data}");
            var small = Enumerable.Range(0, smallCount).Select(i => $"small/f{i:D5}.bin").ToList();
            var large = Enumerable.Range(0, largeCount).Select(i => $"large/L{i}.bin").ToList();
            WriteFiles(data, small, 4096);
            WriteFiles(data, large, largeMiB * 1048576L);
            var sets = new List<(string Name, List<string> Files, long Size, int Parallel)>
            {
                ("small", small, 4096, 1),
                ("small", small, 4096, parallel),
                ("large", large, largeMiB * 1048576L, 1),
            };

            await using (var servers = await HttpServers.StartAsync(root, data, nginx: withHttp, dataServer: withHttp && only != "nginx"))
            {
                foreach (var (name, url) in servers.Servers)
                {
                    await using var http = new HttpTransfer(new TransferOptions { Url = url });
                    await SluiceAsync(http, small.Take(200).ToList(), 4096, Out(root), parallel); // warm-up (JIT, connections)
                    foreach (var set in sets)
                    {
                        rows.Add(await CompareAsync("http", name, set.Files, set.Size, set.Parallel, runs, "curl", () => SluiceAsync(http, set.Files, set.Size, Out(root), set.Parallel), () => Curl(url, set.Files, Out(root), set.Parallel)));
                    }
                }
            }

            if (only is "all" or "sftp")
            {
                await SftpAsync(root, data, small, sets, runs, parallel, rows);
            }

            Console.WriteLine($"medians of {runs} interleaved runs (Sluice, peer, Sluice, peer, ...)");
            Console.WriteLine("| protocol | server | files | size each | parallel | Sluice s | peer | peer s | Sluice | peer | Sluice / peer |");
            Console.WriteLine("|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
            rows.ForEach(Console.WriteLine);
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task SftpAsync(string root, string data, List<string> small, List<(string Name, List<string> Files, long Size, int Parallel)> sets, int runs, int parallel, List<string> rows)
    {
        await using var sshd = await Sshd.StartAsync(root, data);
        await using var sftp = new SftpTransfer(new TransferOptions { Url = sshd.Url, SshKeyFile = sshd.Key });
        await sftp.ConnectAsync(CancellationToken.None);
        await SluiceAsync(sftp, small.Take(200).ToList(), 4096, Out(root), parallel);
        foreach (var set in sets)
        {
            rows.Add(await CompareAsync("sftp", "OpenSSH sshd", set.Files, set.Size, set.Parallel, runs, "OpenSSH sftp", () => SluiceAsync(sftp, set.Files, set.Size, Out(root), set.Parallel), () => sshd.Sftp(set.Files, Out(root), set.Parallel)));
        }
    }

    internal static void WriteFiles(string data, List<string> files, long size)
    {
        var block = new byte[(int)Math.Min(size, 1048576)];
        Random.Shared.NextBytes(block);
        foreach (var f in files)
        {
            var path = Path.Combine(data, f);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using var file = File.Create(path);
            for (long written = 0; written < size; written += block.Length)
            {
                block[(int)(written / block.Length % block.Length)] ^= 0x5a;
                block[0]++;
                file.Write(block, 0, (int)Math.Min(block.Length, size - written));
            }
        }
    }

    internal static string Out(string root)
    {
        var dir = Path.Combine(root, "out-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    internal static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>Runs Sluice then the peer, <paramref name="runs"/> times, and formats the medians as a table row.</summary>
    private static async Task<string> CompareAsync(string protocol, string server, List<string> files, long size, int parallel, int runs, string peer, Func<Task<TimeSpan>> sluice, Func<TimeSpan> other)
    {
        var ours = new List<double>();
        var theirs = new List<double>();
        for (var r = 0; r < runs; r++)
        {
            PrimePageCache(files.Count * size);
            var before = Cpu();
            ours.Add((await sluice()).TotalSeconds);
            var middle = Cpu();
            PrimePageCache(files.Count * size);
            theirs.Add(other().TotalSeconds);
            var after = Cpu();
            Console.Error.WriteLine($"{protocol} {server} {files.Count} x {size} parallel {parallel}: sluice {ours[^1]:0.000} s (cpu {middle.Self - before.Self:0.00} s), {peer} {theirs[^1]:0.000} s (cpu {after.Children - middle.Children:0.00} s)");
        }

        var s = Median(ours);
        var p = Median(theirs);
        string Rate(double seconds) => size >= 1048576 ? $"{files.Count * size / 1048576.0 / seconds:0} MiB/s" : $"{files.Count / seconds:0} files/s";
        return $"| {protocol} | {server} | {files.Count} | {(size >= 1048576 ? $"{size / 1048576} MiB" : $"{size / 1024} KiB")} | {parallel} | {s:0.00} | {peer} | {p:0.00} | {Rate(s)} | {Rate(p)} | {p / s:0.00} |";
    }

    /// <summary>
    /// Writes and deletes a scratch file a little larger than what the next run writes. On this kind of virtual machine
    /// (virtio balloon with free page reporting) memory freed a while ago goes back to the host, and the first touch of
    /// it costs a fault in the host: a run writing 2 GiB of new page cache took 1.5-2 times as long, for curl as for
    /// Sluice, depending only on what ran before. Priming makes every run, Sluice's and the peer's, start alike.
    /// </summary>
    private static void PrimePageCache(long bytes)
    {
        var scratch = Path.Combine(Path.GetTempPath(), "sluice-bench-prime-" + Environment.ProcessId);
        var block = new byte[1048576];
        using (var file = new FileStream(scratch, FileMode.Create, FileAccess.Write, FileShare.None, 0))
        {
            for (long written = 0; written < (bytes * 5 / 4) + (64L << 20); written += block.Length)
            {
                file.Write(block);
            }
        }

        File.Delete(scratch);
    }

    /// <summary>CPU seconds (user + system) of this process and of its children that have exited, from /proc/self/stat.</summary>
    private static (double Self, double Children) Cpu()
    {
        var stat = File.ReadAllText("/proc/self/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        double Ticks(int field) => long.Parse(fields[field - 3]) / 100.0;
        return (Ticks(14) + Ticks(15), Ticks(16) + Ticks(17));
    }

    /// <summary>Receives every file with <paramref name="parallel"/> concurrent receives over one transfer, as a flow's work does.</summary>
    internal static async Task<TimeSpan> SluiceAsync(ITransfer transfer, List<string> files, long size, string output, int parallel)
    {
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < files.Count)
            {
                await Receiver.ReceiveAsync(transfer, new ReceiveRequest { RemotePath = files[i], Directory = output, RelPath = files[i], ExpectedSize = size }, new ReceiveOptions(), CancellationToken.None);
            }
        })));
        watch.Stop();
        Directory.Delete(output, recursive: true);
        return watch.Elapsed;
    }

    /// <summary>One curl process over a `-K` list: one kept-alive connection, or `--parallel` with as many.</summary>
    internal static TimeSpan Curl(string baseUrl, List<string> files, string output, int parallel)
    {
        var config = Path.Combine(output, "curl.cfg");
        File.WriteAllLines(config, files.SelectMany(f => new[] { $"url = \"{baseUrl}{f}\"", $"output = \"{Path.Combine(output, f)}\"" }));
        var args = new List<string> { "-s", "-f", "--create-dirs", "-K", config };
        if (parallel > 1)
        {
            args.AddRange(["--parallel", "--parallel-max", parallel.ToString()]);
        }

        var watch = Stopwatch.StartNew();
        Run("curl", [.. args]);
        watch.Stop();
        Directory.Delete(output, recursive: true);
        return watch.Elapsed;
    }

    internal static void Run(string command, params string[] args) => Wait(Start(command, args), command);

    private static Process Start(string command, string[] args)
    {
        var process = Process.Start(new ProcessStartInfo(command, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        return process;
    }

    private static void Wait(Process process, string command)
    {
        using (process)
        {
            var error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"{command} failed ({process.ExitCode}): {error}");
            }
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

        /// <summary>OpenSSH's sftp: one session with a `get` list, or <paramref name="parallel"/> sessions sharing the list.</summary>
        public TimeSpan Sftp(List<string> files, string output, int parallel)
        {
            foreach (var d in files.Select(f => Path.GetDirectoryName(f)!).Distinct())
            {
                Directory.CreateDirectory(Path.Combine(output, d));
            }

            var batches = new List<string>();
            for (var p = 0; p < parallel; p++)
            {
                var batch = Path.Combine(output, $"batch{p}");
                File.WriteAllLines(batch, files.Where((_, i) => i % parallel == p).Select(f => $"get \"{f}\" \"{Path.Combine(output, f)}\""));
                batches.Add(batch);
            }

            var watch = Stopwatch.StartNew();
            var processes = batches.Select(b => Start("sftp", ["-q", "-b", b, "-i", Key, "-P", _port.ToString(), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", $"{_user}@127.0.0.1"])).ToList();
            processes.ForEach(p => Wait(p, "sftp"));
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

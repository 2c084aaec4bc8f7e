using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Sluice.Core.Components;
using Sluice.Core.Flows;
using Sluice.Core.Transfers;
using Sluice.Daemon.DataServer;

namespace Sluice.Benchmarks.Transfers;

/// <summary>
/// `dotnet run -c Release --project bench/Sluice.Benchmarks -- poll [entries]`: a poll of one directory of
/// <c>entries</c> files (100,000 by default) over http (the pump's data server) and sftp (OpenSSH's sshd), beside
/// the raw listing in the same run (curl of the index page; OpenSSH's <c>sftp -b</c> with <c>ls -l</c>). A poll
/// lists, builds a message per entry and passes it through the nodupe cache: the first poll finds every entry new,
/// the second finds none. Prints a markdown table. Run as root (it creates a test user for sshd).
/// </summary>
internal static class PollBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        var entries = args.Length > 0 ? int.Parse(args[0]) : 100_000;
        var root = Path.Combine(Path.GetTempPath(), "sluice-bench-poll-" + Guid.NewGuid().ToString("N")[..8]);
        var data = Path.Combine(root, "home");
        var big = Path.Combine(data, "big");
        Directory.CreateDirectory(big);
        var rows = new List<string>();
        try
        {
            Console.Error.WriteLine($"writing {entries} files under {big}");
            var content = new byte[64];
            for (var i = 0; i < entries; i++)
            {
                await File.WriteAllBytesAsync(Path.Combine(big, $"obs{i:D6}.bufr"), content);
            }

            await using (var server = new DataServer(new DataServerOptions { Root = data, Port = 0 }))
            {
                await server.StartAsync(CancellationToken.None);
                var curl = Stopwatch.StartNew();
                TransferBenchmark.Run("curl", "-s", "-f", "-o", "/dev/null", server.BaseUrl + "big/");
                curl.Stop();
                rows.Add(Row("http", "curl (index page)", entries, curl.Elapsed));
                var options = new PollOptions { PollUrl = server.BaseUrl, PostBaseUrl = server.BaseUrl, Paths = ["big"], FileAgeMax = TimeSpan.FromDays(30) };
                rows.AddRange(await PollAsync("http", options, entries));
            }

            await using (var sshd = await TransferBenchmark.Sshd.StartAsync(root, data))
            {
                rows.Add(Row("sftp", "OpenSSH sftp ls -l", entries, sshd.Ls("big", root)));
                var options = new PollOptions
                {
                    PollUrl = sshd.Url,
                    PostBaseUrl = sshd.Url,
                    Paths = ["big"],
                    FileAgeMax = TimeSpan.FromDays(30),
                    ServerOptions = url => new TransferOptions { Url = url, SshKeyFile = sshd.Key },
                    Transfers = Sluice.Daemon.Adapters.Create().Transfers,
                };
                rows.AddRange(await PollAsync("sftp", options, entries));
            }

            Console.WriteLine("| protocol | client | entries | seconds | entries/s |");
            Console.WriteLine("|---|---|---:|---:|---:|");
            rows.ForEach(Console.WriteLine);
            return 0;
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Two polls with one nodupe cache: the first announces every entry, the second none.</summary>
    private static async Task<List<string>> PollAsync(string protocol, PollOptions options, int entries)
    {
        var rows = new List<string>();
        var nodupe = new NoDupeCache(TimeSpan.FromHours(7), NoDupeBasis.Path, null, TimeProvider.System);
        await using var poll = new PollInput(options with { Sleep = TimeSpan.FromMilliseconds(1) }, NullLogger.Instance);
        foreach (var pass in new[] { "sluice poll (all new)", "sluice poll (none new)" })
        {
            var watch = Stopwatch.StartNew();
            var seen = 0;
            var fresh = 0;
            while (seen < entries)
            {
                foreach (var item in await poll.ReceiveAsync(1000, TimeSpan.FromSeconds(1), CancellationToken.None))
                {
                    seen++;
                    fresh += nodupe.CheckAndRemember(item.Message) ? 1 : 0;
                }
            }

            watch.Stop();
            rows.Add(Row(protocol, $"{pass}: {fresh} announced", entries, watch.Elapsed));
        }

        nodupe.Dispose();
        return rows;
    }

    private static string Row(string protocol, string client, int entries, TimeSpan elapsed) =>
        $"| {protocol} | {client} | {entries} | {elapsed.TotalSeconds:0.00} | {entries / elapsed.TotalSeconds:0} |";
}

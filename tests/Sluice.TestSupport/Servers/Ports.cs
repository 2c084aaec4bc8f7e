using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sluice.Tests.Servers;

/// <summary>
/// Free loopback ports for the servers the tests start. They are taken between the defaults of the protocols (RabbitMQ's
/// 25672, Sluice's default pump on 25883) and the kernel's ephemeral range (32768 and up, where an outgoing connection
/// could take one between the moment it is chosen and the moment its server listens), and each is held by a lock file
/// for the life of the test process, so that no other test process (the test assemblies run side by side) gets it too.
/// </summary>
public static class Ports
{
    private const int First = 26000;
    private const int Last = 32000;
    private static readonly string LockDirectory = Path.Combine(Path.GetTempPath(), "sluice-test-ports");
    private static readonly ConcurrentBag<FileStream> Held = [];

    public static int Free()
    {
        Directory.CreateDirectory(LockDirectory);
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(First, Last);
            FileStream held;
            try
            {
                // FileShare.None takes an exclusive lock (flock) that the system drops when this process ends.
                held = new FileStream(Path.Combine(LockDirectory, $"{port}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                continue;
            }

            if (Bindable(port))
            {
                Held.Add(held);
                return port;
            }

            held.Dispose();
        }

        throw new InvalidOperationException($"no free loopback port between {First} and {Last}");
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Waits until something accepts connections on the port.</summary>
    public static async Task<bool> WaitOpenAsync(int port, TimeSpan timeout, Func<bool>? stillAlive = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (stillAlive is not null && !stillAlive())
            {
                return false;
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(200);
            }
        }

        return false;
    }

    /// <summary>
    /// Waits until <paramref name="process"/> accepts connections on the port, for the patience of a server start
    /// (a cold first start included); otherwise fails saying what was waited for, for how long, and what the server printed.
    /// </summary>
    public static async Task WaitOpenOrExplainAsync(string server, int port, Process process, Func<string> log)
    {
        var waited = Stopwatch.StartNew();
        if (!await WaitOpenAsync(port, Patience.ServerStart, () => !process.HasExited))
        {
            var state = process.HasExited ? $"it exited with code {process.ExitCode}" : "it is still running";
            throw new InvalidOperationException(
                $"{server} did not accept connections on 127.0.0.1:{port} within {waited.Elapsed.TotalSeconds:F0} s ({state}); its output:\n{log()}");
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Sluice.Tests.Servers;

/// <summary>Free loopback ports, from the OS (never a protocol's default).</summary>
public static class Ports
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
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

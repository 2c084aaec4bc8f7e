using System.Diagnostics;

namespace Sluice.Tests.Servers;

/// <summary>A real Mosquitto (Debian's mosquitto, MQTT 5) started for the tests on a loopback port of its own.</summary>
public sealed class MosquittoServer : IAsyncLifetime
{
    private const string Program = "/usr/sbin/mosquitto";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "sluice-mosquitto-" + Guid.NewGuid().ToString("N")[..8]);
    private Process? _process;

    public int Port { get; } = Ports.Free();

    public string Url => $"mqtt://127.0.0.1:{Port}";

    public async Task InitializeAsync()
    {
        if (!File.Exists(Program))
        {
            throw new InvalidOperationException($"Mosquitto is not installed ({Program} missing): run scripts/install-servers, or apt-get install mosquitto");
        }

        Directory.CreateDirectory(_directory);
        await File.WriteAllTextAsync(Path.Combine(_directory, "mosquitto.conf"),
            $"user root\nlistener {Port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location {_directory}/\nmax_queued_messages 200000\nmax_inflight_messages 0\nlog_dest stderr\n");
        await StartAsync();
    }

    public async Task StartAsync()
    {
        var info = new ProcessStartInfo(Program) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(Path.Combine(_directory, "mosquitto.conf"));
        _process = Process.Start(info)!;
        var output = new ServerOutput();
        output.Attach(_process);
        await Ports.WaitOpenOrExplainAsync("Mosquitto", Port, _process, output.ToString);
    }

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
            _process.Dispose();
        }

        try
        {
            Directory.Delete(_directory, true);
        }
        catch (IOException)
        {
        }
    }
}

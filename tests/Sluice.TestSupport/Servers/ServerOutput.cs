using System.Diagnostics;

namespace Sluice.Tests.Servers;

/// <summary>
/// The last lines a server process printed (standard output and error), kept so that a fixture whose server did
/// not start can say what the server said.
/// </summary>
public sealed class ServerOutput
{
    private const int Kept = 200;
    private readonly Queue<string> _lines = new();
    private readonly Lock _lock = new();

    /// <summary>Reads the process's redirected output and error from now on; <paramref name="onLine"/> sees every line too.</summary>
    public void Attach(Process process, Action<string>? onLine = null)
    {
        void Add(string? line)
        {
            if (line is null)
            {
                return;
            }

            onLine?.Invoke(line);
            lock (_lock)
            {
                _lines.Enqueue(line);
                if (_lines.Count > Kept)
                {
                    _lines.Dequeue();
                }
            }
        }

        if (process.StartInfo.RedirectStandardOutput)
        {
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
        }

        if (process.StartInfo.RedirectStandardError)
        {
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginErrorReadLine();
        }
    }

    public override string ToString()
    {
        lock (_lock)
        {
            return _lines.Count == 0 ? "(it printed nothing)" : string.Join('\n', _lines);
        }
    }
}

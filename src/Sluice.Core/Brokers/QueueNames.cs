using System.Security.Cryptography;

namespace Sluice.Core.Brokers;

/// <summary>
/// sr3's queue names: <c>q_&lt;brokerUser&gt;.&lt;component&gt;.&lt;config&gt;.&lt;random&gt;.&lt;random&gt;</c>, chosen once and kept in the
/// state directory so a restart consumes from the same queue (and nothing queued meanwhile is lost).
/// </summary>
internal static class QueueNames
{
    /// <summary>The queue name kept in <paramref name="stateFile"/>, or a new one written there.</summary>
    public static string LoadOrCreate(string stateFile, string brokerUser, string component, string config)
    {
        if (File.Exists(stateFile))
        {
            var saved = File.ReadAllText(stateFile).Trim();
            if (saved.Length > 0)
            {
                return saved;
            }
        }

        var name = $"q_{brokerUser}.{component}.{config}.{Random8()}.{Random8()}";
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(stateFile))!);
        File.WriteAllText(stateFile, name);
        return name;
    }

    private static string Random8() => RandomNumberGenerator.GetInt32(0, 100_000_000).ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
}

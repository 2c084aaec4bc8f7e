namespace Sluice.Core.Formats;

/// <summary>sr3's topic derivation: the topic prefix, then the directories of the relPath.</summary>
internal static class Topics
{
    /// <summary>
    /// <c>topicPrefix + relPath's directories</c>: <c>v03</c> and <c>samples/s.txt</c> give
    /// <c>[v03, samples]</c>. Empty elements (a leading or doubled '/') are left out.
    /// </summary>
    public static string[] Derive(IReadOnlyList<string> topicPrefix, string relPath)
    {
        var lastSlash = relPath.LastIndexOf('/');
        var dirs = lastSlash <= 0
            ? []
            : relPath.AsSpan(0, lastSlash);
        var count = topicPrefix.Count;
        foreach (var range in dirs.Split('/'))
        {
            if (!dirs[range].IsEmpty)
            {
                count++;
            }
        }

        var topic = new string[count];
        var i = 0;
        for (; i < topicPrefix.Count; i++)
        {
            topic[i] = topicPrefix[i];
        }

        foreach (var range in dirs.Split('/'))
        {
            if (!dirs[range].IsEmpty)
            {
                topic[i++] = dirs[range].ToString();
            }
        }

        return topic;
    }

    /// <summary>Splits an AMQP-style prefix such as <c>v02.post</c> into words.</summary>
    public static string[] SplitPrefix(string prefix) =>
        prefix.Split(['.', '/'], StringSplitOptions.RemoveEmptyEntries);
}

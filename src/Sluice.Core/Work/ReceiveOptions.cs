using Sluice.Core.Config;
namespace Sluice.Core.Work;

/// <summary>How <see cref="Receiver"/> writes and checks a downloaded file (sr3's options of the same names).</summary>
internal sealed record ReceiveOptions
{
    public InflightMode Inflight { get; init; } = InflightMode.Suffix;

    /// <summary>The suffix (<c>.tmp</c>), prefix (<c>.</c>) or directory name (<c>tmp</c>) of <see cref="Inflight"/>.</summary>
    public string InflightValue { get; init; } = ".tmp";

    /// <summary>Accept a file whose size differs from the announced size.</summary>
    public bool AcceptSizeWrong { get; init; }

    /// <summary>Download attempts before a size or identity mismatch is reported as failed.</summary>
    public int Attempts { get; init; } = Defaults.Attempts;

    /// <summary>Resume a partial inflight file left by an interrupted attempt instead of starting over.</summary>
    public bool Resume { get; init; } = true;

    public int BufSize { get; init; } = Defaults.BufSize;

    public MetadataOptions Metadata { get; init; } = new();

    /// <summary>Holds the bytes received to <c>byteRateMax</c>; null: no limit.</summary>
    public ByteRateLimiter? RateLimit { get; init; }

    /// <summary>Parses sr3's <c>inflight</c> value: <c>.tmp</c>, <c>.</c>, <c>tmp/</c>, <c>NONE</c>.</summary>
    public static (InflightMode Mode, string Value) ParseInflight(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0 || value.Equals("NONE", StringComparison.OrdinalIgnoreCase))
        {
            return (InflightMode.None, string.Empty);
        }

        if (value.EndsWith('/'))
        {
            return (InflightMode.Directory, value.TrimEnd('/'));
        }

        return value == "." ? (InflightMode.Prefix, ".") : (InflightMode.Suffix, value);
    }
}

using System.Globalization;
using Sluice.Core.Brokers;
using Sluice.Core.Checksums;
using Sluice.Core.Config;
using Sluice.Core.Flows;

namespace Sluice.Core.Components;

public static partial class ConfigMapping
{
    /// <summary>How a post or watch configuration announces files: <c>post_baseUrl</c>, <c>post_baseDir</c>, <c>identity</c>, <c>blockSize</c>, inline, source.</summary>
    /// <exception cref="ConfigException">No post_baseUrl, or an identity that is not one.</exception>
    internal static AnnounceOptions Announce(FlowConfig config, BrokerUrl? postBroker)
    {
        ArgumentNullException.ThrowIfNull(config);
        var errors = new List<ConfigDiagnostic>();
        var baseUrl = config.String("post_baseUrl");
        if (baseUrl is null)
        {
            errors.Add(config.ErrorAt("post_baseUrl", $"{config.Component} needs a post_baseUrl (the URL the files are served under)"));
        }

        var identity = IdentitySetting.Default;
        try
        {
            identity = IdentitySetting.Parse(config.String("identity") ?? "sha512") with { ArbitraryValue = config.String("identity_arbitrary_value") };
        }
        catch (FormatException ex)
        {
            errors.Add(config.ErrorAt("identity", "identity: " + ex.Message));
        }

        if (errors.Count > 0)
        {
            throw new ConfigException([.. errors]);
        }

        return new AnnounceOptions
        {
            PostBaseUrl = baseUrl!,
            PostBaseDir = config.String("post_baseDir"),
            Identity = identity,
            BlockSize = config.Count("blockSize"),
            Inline = config.Flag("inline"),
            InlineByteMax = config.Count("inlineByteMax"),
            Source = config.String("source") ?? postBroker?.User,
            FromCluster = config.String("cluster") ?? postBroker?.Host,
            ToClusters = config.String("to_clusters"),
            Rename = config.String("rename"),
            Headers = config.Headers,
            BufferSize = (int)Math.Clamp(config.Count("bufSize"), Defaults.BufSizeMin, Defaults.BufSizeMax),
        };
    }

    /// <summary>The exchanges a flow posts to: <c>post_exchange</c> (xpublic by default), split by <c>post_exchangeSplit</c>.</summary>
    public static IReadOnlyList<string> PostExchanges(FlowConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var exchange = config.String("post_exchange") ?? "xpublic";
        var split = config.Count("post_exchangeSplit");
        return split > 1 ? [.. Enumerable.Range(0, (int)split).Select(i => exchange + i.ToString("D2", CultureInfo.InvariantCulture))] : [exchange];
    }

    /// <summary>The configuration's <c>post_broker</c>, with its password from credentials.conf.</summary>
    /// <exception cref="ConfigException">There is none, or it is not a broker URL.</exception>
    public static BrokerUrl PostBroker(FlowConfig config, CredentialStore credentials)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(credentials);
        var errors = new List<ConfigDiagnostic>();
        var text = config.String("post_broker");
        var url = text is null ? null : ParseBroker(config, "post_broker", text, credentials, errors);
        if (text is null)
        {
            errors.Add(config.ErrorAt("post_broker", $"{config.Component} needs a post_broker (where to announce)"));
        }

        return url ?? throw new ConfigException([.. errors]);
    }
}

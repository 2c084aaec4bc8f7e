using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Sluice.Core.Brokers;
using Sluice.Core.Checksums;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Transfers;

namespace Sluice.Core.Components;

/// <summary>
/// The components that bring data in (watch, poll): their flows built from a validated configuration, the same way
/// for the daemon and for <c>sluice foreground</c>. They gather from a directory tree or a remote server and post
/// to <c>post_broker</c>.
/// </summary>
public static class InputComponents
{
    /// <summary>The components built here.</summary>
    public static readonly IReadOnlySet<string> Names = new HashSet<string>(["watch", "poll"]);

    /// <summary>Checks that the configuration can make a flow, so a broken one shows at once.</summary>
    /// <exception cref="ConfigException">Something the flow needs is missing or unusable.</exception>
    public static void Validate(FlowConfig config, CredentialStore credentials)
    {
        ArgumentNullException.ThrowIfNull(config);
        var postUrl = PostBroker(config, credentials);
        if (config.Component == "poll")
        {
            _ = Poll(config, credentials, postUrl);
        }
        else
        {
            _ = Announce(config, postUrl);
        }
    }

    /// <summary>Builds instance <paramref name="instance"/> of a watch or poll flow, posting to its <c>post_broker</c>.</summary>
    /// <exception cref="ConfigException">Something the flow needs is missing or unusable.</exception>
    public static async Task<Flow> CreateAsync(
        FlowConfig config,
        SluicePaths paths,
        CredentialStore credentials,
        int instance,
        ILogger logger,
        TimeProvider? time,
        IReadOnlyList<IFlowCallback> callbacks,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(paths);
        var postUrl = PostBroker(config, credentials);
        IFlowInput input;
        Func<FlowMessage, FilterDecision>? filter = null;
        if (config.Component == "poll")
        {
            input = new PollInput(Poll(config, credentials, postUrl), logger, time);
            filter = ConfigMapping.Filter(config, null, time ?? TimeProvider.System);
        }
        else
        {
            input = new WatchInput(new WatchOptions
            {
                Paths = config.List("path"),
                Announce = Announce(config, postUrl),
                FileEvents = new HashSet<string>(config.List("fileEvents")),
                FileAgeMin = config.Duration("fileAgeMin"),
                ForcePolling = config.Flag("force_polling"),
                Sleep = config.Duration("sleep", TimeSpan.FromMilliseconds(100)) is { } s && s > TimeSpan.Zero ? s : TimeSpan.FromMilliseconds(100),
                PostOnStart = config.Flag("post_on_start"),
                StatePath = Path.Combine(paths.FlowState(config.Component, config.Name), $"announced_{instance:D2}.journal"),
            }, logger, time);
        }

        var resources = new List<IAsyncDisposable> { input };
        try
        {
            var broker = BrokerRegistry.Create(postUrl, logger, time);
            resources.Add(broker);
            var format = MessageFormats.ByName(config.String("post_format") ?? "v03");
            var prefix = config.String("post_topicPrefix") is { } p ? Topics.SplitPrefix(p) : format.DefaultTopicPrefix;
            var output = new BrokerOutput(await broker.CreatePublisherAsync(cancellationToken).ConfigureAwait(false), format, [config.String("post_exchange") ?? "xpublic"], prefix);
            resources.Insert(1, output);
            var options = new FlowOptions
            {
                Name = config.FullName,
                Instance = instance,
                StateDirectory = paths.FlowState(config.Component, config.Name),
                Batch = (int)config.Count("batch", 100),
                NoDupeTtl = config.Duration("nodupe_ttl"),
                NoDupeBasis = config.String("nodupe_basis") switch { "name" => NoDupeBasis.Name, "data" => NoDupeBasis.Data, _ => NoDupeBasis.Path },
                Housekeeping = config.Duration("housekeeping", TimeSpan.FromMinutes(5)),
            };
            var flow = new Flow(options, input, null, output, logger, time, filter, [new Releaser(resources), .. callbacks]);
            if (input is PollInput poll)
            {
                poll.Metrics = flow.Metrics;
            }

            return flow;
        }
        catch
        {
            foreach (var resource in resources)
            {
                await resource.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    private static BrokerUrl PostBroker(FlowConfig config, CredentialStore credentials)
    {
        var postText = config.String("post_broker") ?? throw Error(config, $"{config.Component} needs a post_broker");
        try
        {
            return BrokerUrl.Parse(credentials.Complete(postText));
        }
        catch (FormatException ex)
        {
            throw Error(config, $"post_broker: {ex.Message}");
        }
    }

    private static AnnounceOptions Announce(FlowConfig config, BrokerUrl postUrl) => new()
    {
        PostBaseUrl = config.String("post_baseUrl") ?? throw Error(config, "watch needs a post_baseUrl"),
        PostBaseDir = config.String("post_baseDir"),
        Identity = IdentitySetting.Parse(config.String("identity") ?? "sha512"),
        BlockSize = config.Count("blockSize", 1),
        Inline = config.Flag("inline"),
        InlineByteMax = config.Count("inlineByteMax", 4096),
        Source = config.String("source") ?? postUrl.User,
        FromCluster = config.String("cluster") ?? postUrl.Host,
        ToClusters = config.String("to_clusters"),
        Rename = config.String("rename"),
        Headers = config.Headers,
    };

    /// <summary>sr3 poll's options: <c>pollUrl</c> (or the older <c>destination</c>), <c>path</c>, schedule, file ages, <c>vip</c>.</summary>
    internal static PollOptions Poll(FlowConfig config, CredentialStore credentials, BrokerUrl postUrl)
    {
        var errors = new List<string>();
        var pollText = config.String("pollUrl") ?? config.String("sendTo");
        string pollUrl = string.Empty;
        if (pollText is null)
        {
            errors.Add("poll needs a pollUrl (the server to list)");
        }
        else if (!Uri.TryCreate(credentials.Complete(pollText), UriKind.Absolute, out var uri) || !TransferRegistry.Default.Supports(uri.Scheme))
        {
            errors.Add($"pollUrl '{TransferOptions.Redact(pollText)}' is not a URL of a protocol Sluice can list ({string.Join(", ", TransferRegistry.Default.Schemes)})");
        }
        else
        {
            pollUrl = pollText;
        }

        var vips = new List<IPAddress>();
        foreach (var vip in config.List("vip"))
        {
            if (IPAddress.TryParse(vip, out var address))
            {
                vips.Add(address);
            }
            else
            {
                errors.Add($"vip '{vip}' is not an IP address");
            }
        }

        var hours = Numbers(config, "scheduled_hour", 23, errors);
        var minutes = Numbers(config, "scheduled_minute", 59, errors);
        var times = new List<TimeSpan>();
        foreach (var text in config.List("scheduled_time"))
        {
            if (TimeSpan.TryParseExact(text, ["h\\:mm", "hh\\:mm"], CultureInfo.InvariantCulture, out var at) && at < TimeSpan.FromDays(1))
            {
                times.Add(at);
            }
            else
            {
                errors.Add($"scheduled_time '{text}' is not a time of day (HH:MM)");
            }
        }

        IdentitySetting identity = IdentitySetting.Parse("cod,sha512");
        try
        {
            identity = IdentitySetting.Parse(config.String("identity") ?? "cod,sha512");
        }
        catch (FormatException ex)
        {
            errors.Add($"identity: {ex.Message}");
        }

        TimeZoneInfo? listingTimeZone = null;
        if (config.String("timezone") is { Length: > 0 } zone && !zone.Equals("UTC", StringComparison.OrdinalIgnoreCase))
        {
            try
            {
                listingTimeZone = TimeZoneInfo.FindSystemTimeZoneById(zone);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                errors.Add($"timezone: {zone} is not a time zone known here (an IANA name such as America/Toronto, or UTC): {ex.Message}");
            }
        }

        if (errors.Count > 0)
        {
            throw new ConfigException([.. errors.Select(e => new ConfigDiagnostic(config.File, 0, true, e))]);
        }

        var paths = config.List("path");
        return new PollOptions
        {
            PollUrl = pollUrl,
            Paths = paths.Count > 0 ? paths : ["."],
            Recursive = config.Flag("recursive", true),
            PostBaseUrl = config.String("post_baseUrl") ?? DefaultBaseUrl(pollUrl),
            PostBaseDir = config.String("post_baseDir"),
            Identity = identity,
            Source = config.String("source") ?? postUrl.User,
            FromCluster = config.String("cluster") ?? postUrl.Host,
            ToClusters = config.String("to_clusters"),
            Rename = config.String("rename"),
            Sleep = config.Duration("sleep", TimeSpan.FromMinutes(5)),
            ScheduledInterval = config.Duration("scheduled_interval"),
            ScheduledHours = hours,
            ScheduledMinutes = minutes,
            ScheduledTimes = times,
            FileAgeMin = config.Duration("fileAgeMin"),
            FileAgeMax = config.Duration("fileAgeMax"),
            ListingTimeZone = listingTimeZone,
            Vip = vips,
            ServerOptions = url => ConfigMapping.ServerOptions(url, credentials) with { Timeout = config.Duration("timeout", TimeSpan.FromSeconds(300)) },
        };
    }

    /// <summary>sr3's default post_baseUrl: the pollUrl, without its password, ending in '/'.</summary>
    private static string DefaultBaseUrl(string pollUrl)
    {
        var redacted = new UriBuilder(pollUrl) { Password = string.Empty }.Uri.AbsoluteUri;
        return redacted.EndsWith('/') ? redacted : redacted + "/";
    }

    private static List<int> Numbers(FlowConfig config, string option, int max, List<string> errors)
    {
        var numbers = new List<int>();
        foreach (var text in config.List(option))
        {
            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= max)
            {
                numbers.Add(n);
            }
            else
            {
                errors.Add($"{option} '{text}' is not a number from 0 to {max}");
            }
        }

        return numbers;
    }

    private static ConfigException Error(FlowConfig config, string message) => new([new ConfigDiagnostic(config.File, 0, true, message)]);

    /// <summary>Releases the flow's input, output and broker connection when it stops.</summary>
    private sealed class Releaser(List<IAsyncDisposable> resources) : IFlowCallback
    {
        public string Name => "close";

        public async ValueTask OnStopAsync(CancellationToken cancellationToken)
        {
            foreach (var resource in resources)
            {
                await resource.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}

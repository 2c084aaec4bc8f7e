using System.Globalization;
using Sluice.Core.Brokers;
using Sluice.Core.Config;
using Sluice.Core.Flows;
using Sluice.Core.Transfers;
using Sluice.Core.Work;

namespace Sluice.Core.Components;

/// <summary>The third layer: engine settings derived from a validated configuration.</summary>
public static partial class ConfigMapping
{
    /// <summary>The components that run on a broker subscription.</summary>
    public static readonly IReadOnlySet<string> SubscribingComponents = new HashSet<string>(["subscribe", "sarra", "sender", "shovel", "winnow", "report", "flow"]);

    /// <summary>The components that bring files in and announce them: from a watched tree, a polled server, files given.</summary>
    public static readonly IReadOnlySet<string> AnnouncingComponents = new HashSet<string>(["watch", "poll", "post"]);

    /// <summary>
    /// Settings for instance <paramref name="instance"/> of a flow of any component. Every error is collected before
    /// anything is built. For post, <paramref name="postPaths"/> (the command line's files) replace the <c>path</c> lines.
    /// Callback names resolve in <paramref name="callbackRegistry"/> and a poll's protocol in <paramref name="adapters"/>
    /// (each a new registry of Core's own when not given).
    /// </summary>
    /// <exception cref="ConfigException">Something the flow needs is missing or unusable.</exception>
    public static FlowSettings ToSettings(
        FlowConfig config,
        SluicePaths paths,
        CredentialStore credentials,
        int instance,
        TimeProvider? time = null,
        IReadOnlyList<string>? postPaths = null,
        CallbackRegistry? callbackRegistry = null,
        AdapterRegistry? adapters = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(credentials);
        var subscribing = SubscribingComponents.Contains(config.Component);
        if (!subscribing && !AnnouncingComponents.Contains(config.Component))
        {
            throw new ConfigException([new ConfigDiagnostic(config.File, 0, true, $"the {config.Component} component is not a flow Sluice runs")]);
        }

        var state = paths.FlowState(config.Component, config.Name);
        var (callbacks, callbackErrors) = (callbackRegistry ?? new CallbackRegistry()).Resolve(new CallbackContext(config, state));
        var errors = new List<string>();
        BrokerUrl? broker = null;
        if (subscribing)
        {
            if (config.String("broker") is not { } brokerText)
            {
                errors.Add("no broker (which broker to subscribe to)");
            }
            else
            {
                broker = ParseBroker(brokerText, credentials, "broker", errors);
            }
        }

        BrokerUrl? postBroker = config.String("post_broker") is { } postText ? ParseBroker(postText, credentials, "post_broker", errors) : null;
        if (postBroker is null && config.Component is "watch" or "poll" && !config.Has("post_broker"))
        {
            errors.Add($"{config.Component} needs a post_broker (where to announce)");
        }

        BrokerUrl? reportBroker = config.String("report_broker") is { } reportText ? ParseBroker(reportText, credentials, "report_broker", errors) : broker;
        var sendTo = config.String("sendTo");
        if (config.Component == "sender" && sendTo is null)
        {
            errors.Add("no sendTo (the server to send the files to: sftp://, ftp://, ftps://, file:, http://)");
        }

        if (config.Component == "watch" && config.List("path").Count == 0)
        {
            errors.Add("watch needs a path (the directory trees to watch)");
        }

        var announce = config.Component is "watch" or "post" ? Collect(errors, () => Announce(config, postBroker)) : null;
        var poll = config.Component == "poll" && postBroker is not null ? Collect(errors, () => Poll(config, credentials, postBroker, (adapters ?? AdapterRegistry.CreateCore()).Transfers)) : null;
        // Variables with no value (at their lines), callbacks that cannot run (at theirs), then what else is wrong.
        ConfigException.ThrowIfAny([.. config.Unresolved, .. callbackErrors, .. errors.Select(e => new ConfigDiagnostic(config.File, 0, true, e))]);
        var user = broker?.User ?? postBroker?.User ?? "anonymous";

        var download = subscribing && config.Flag("download") && config.Component is "subscribe" or "sarra" or "flow"
            ? Download(config, postBroker is not null, credentials) with { StateDirectory = state }
            : null;

        return new FlowSettings
        {
            Component = config.Component,
            Flow = new FlowOptions
            {
                Name = config.FullName,
                Instance = instance,
                Batch = (int)config.Count("batch", 100),
                MessageCountMax = config.Count("messageCountMax"),
                MessageAgeMax = config.Duration("messageAgeMax"),
                NoDupeTtl = config.Duration("nodupe_ttl"),
                NoDupeBasis = config.String("nodupe_basis") switch { "name" => NoDupeBasis.Name, "data" => NoDupeBasis.Data, _ => NoDupeBasis.Path },
                Attempts = (int)config.Count("attempts", 3),
                RetryTtl = config.Duration("retry_ttl", TimeSpan.FromMinutes(5)),
                RetryCountMax = (int)config.Count("retryCountMax"),
                Housekeeping = config.Duration("housekeeping", TimeSpan.FromMinutes(5)),
                MessageRateMax = config.Float("messageRateMax"),
                StateDirectory = state,
                Report = config.Flag("report"),
                LogReject = config.Flag("logReject"),
                ReportBy = [Messages.Header.FromString("host", Environment.MachineName), Messages.Header.FromString("user", user)],
                WorkVerb = config.Component == "sender" ? "sent" : "downloaded",
                Concurrency = config.Component == "post" ? 1 : FlowOptions.DefaultConcurrency,
            },
            Broker = broker,
            Subscription = broker is null ? null : Subscription(config, broker, state, instance),
            Watch = config.Component == "watch" ? Watch(config, announce!, state, instance) : null,
            Poll = poll,
            Post = config.Component == "post" ? new PostSource(announce!, postPaths ?? config.List("path")) : null,
            Download = download,
            Send = config.Component == "sender" ? Send(config, sendTo!, postBroker is not null, credentials) : null,
            ReportBroker = reportBroker,
            ReportExchange = config.String("report_exchange") ?? ReportExchange(config, reportBroker),
            PostBroker = postBroker,
            // The loader resolved sr3's default post_exchange (xs_<post_broker user>, with post_exchangeSuffix).
            PostExchanges = postBroker is not null ? PostExchanges(config) : [],
            PostTopicPrefix = config.String("post_topicPrefix") is { } prefix ? Formats.Topics.SplitPrefix(prefix) : [],
            PostFormat = config.String("post_format") ?? "v03",
            Filter = Filter(config, download, time ?? TimeProvider.System, config.Component == "sender" ? SendPlacement(config) : null),
            Callbacks = callbacks,
        };
    }

    /// <summary>The value <paramref name="make"/> gives, or null with its configuration errors added to <paramref name="errors"/>.</summary>
    private static T? Collect<T>(List<string> errors, Func<T> make)
        where T : class
    {
        try
        {
            return make();
        }
        catch (ConfigException ex)
        {
            errors.AddRange(ex.Errors.Select(d => d.Message));
            return null;
        }
    }

    private static SubscriptionOptions Subscription(FlowConfig config, BrokerUrl broker, string state, int instance)
    {
        var user = broker.User ?? "anonymous";
        var queue = config.String("queueName") ??
            QueueNames.LoadOrCreate(Path.Combine(state, $"{config.Component}.{config.Name}.{user}.qname"), user, config.Component, config.Name);
        return new SubscriptionOptions
        {
            Bindings = [.. config.Bindings.Select(b => new Binding(b.Exchange, Formats.Topics.SplitPrefix(b.TopicPrefix), b.Subtopic))],
            QueueName = queue,
            Prefetch = (int)config.Count("prefetch", 25),
            Durable = config.Flag("durable", true),
            Expire = config.Duration("expire", TimeSpan.FromMinutes(5)),
            QueueBind = config.Flag("queueBind", true),
            QueueDeclare = config.Flag("queueDeclare", true),
            ExchangeDeclare = config.Flag("exchangeDeclare"),
            Instances = (int)Math.Max(1, config.Count("instances", 1)),
            Instance = instance,
        };
    }

    /// <summary>sr3's watch: the trees in <c>path</c>, <c>fileEvents</c>, <c>fileAgeMin</c>, <c>force_polling</c>, <c>sleep</c>, <c>post_on_start</c>.</summary>
    private static WatchOptions Watch(FlowConfig config, AnnounceOptions announce, string state, int instance) => new()
    {
        Paths = config.List("path"),
        Announce = announce,
        FileEvents = new HashSet<string>(config.List("fileEvents")),
        FileAgeMin = config.Duration("fileAgeMin"),
        ForcePolling = config.Flag("force_polling"),
        Sleep = config.Duration("sleep", TimeSpan.FromMilliseconds(100)) is { } s && s > TimeSpan.Zero ? s : TimeSpan.FromMilliseconds(100),
        PostOnStart = config.Flag("post_on_start"),
        StatePath = Path.Combine(state, $"announced_{instance:D2}.journal"),
    };

    private static BrokerUrl? ParseBroker(string text, CredentialStore credentials, string option, List<string> errors)
    {
        if (text.Contains("${", StringComparison.Ordinal))
        {
            return null; // a variable with no value: reported at its line (FlowConfig.Unresolved)
        }

        try
        {
            return BrokerUrl.Parse(credentials.Complete(text));
        }
        catch (FormatException ex)
        {
            errors.Add($"{option}: {ex.Message}");
            return null;
        }
    }

    private static DownloadOptions Download(FlowConfig config, bool posts, CredentialStore credentials) => new()
    {
        Directory = config.String("directory") ?? Directory.GetCurrentDirectory(),
        Mirror = config.Flag("mirror"),
        Strip = int.TryParse(config.String("strip"), NumberStyles.None, CultureInfo.InvariantCulture, out var strip) ? strip : 0,
        Flatten = config.String("flatten") ?? "/",
        Filename = config.String("filename"),
        // Also with a post_broker: the tree a sarra writes is what the pump's data server serves, and a reader
        // listing it must not find a partial file under its final name.
        Inflight = config.String("inflight") ?? ".tmp",
        AcceptSizeWrong = config.Flag("acceptSizeWrong"),
        Overwrite = config.Flag("overwrite", true),
        Metadata = new MetadataOptions
        {
            TimeCopy = config.Flag("timeCopy", true),
            PermCopy = config.Flag("permCopy", true),
            PermDefault = config.Octal("permDefault"),
            PermDirDefault = config.Octal("permDirDefault", Convert.ToInt32("775", 8)),
        },
        PostBaseUrl = posts ? config.String("post_baseUrl") : null,
        PostBaseDir = config.String("post_baseDir"),
        DeleteSource = config.Flag("delete"),
        Discard = config.Flag("discard"),
        ByteRateMax = config.Count("byteRateMax"),
        FileSizeMax = config.Count("fileSizeMax"),
        Timeout = config.Duration("timeout", TransferOptions.DefaultTimeout),
        BufSize = (int)Math.Clamp(config.Count("bufSize", 1 << 20), 4096, 64 << 20),
        TlsRigour = config.String("tlsRigour") switch { "lax" => TlsRigour.Lax, "strict" => TlsRigour.Strict, _ => TlsRigour.Medium },
        ServerOptions = url => ServerOptions(url, credentials),
    };

    /// <summary>sr3's sender: <c>sendTo</c>, the remote <c>directory</c>, the local <c>baseDir</c>, placement and inflight.</summary>
    private static SendOptions Send(FlowConfig config, string sendTo, bool posts, CredentialStore credentials) => new()
    {
        SendTo = credentials.Complete(sendTo),
        Directory = config.String("directory") ?? string.Empty,
        BaseDir = config.String("baseDir"),
        Mirror = config.Flag("mirror"),
        Strip = int.TryParse(config.String("strip"), NumberStyles.None, CultureInfo.InvariantCulture, out var strip) ? strip : 0,
        Flatten = config.String("flatten") ?? "/",
        Filename = config.String("filename"),
        Inflight = config.String("inflight") ?? ".tmp",
        PostBaseUrl = posts ? config.String("post_baseUrl") ?? sendTo : null,
        PostBaseDir = config.String("post_baseDir"),
        Timeout = config.Duration("timeout", TransferOptions.DefaultTimeout),
        BufSize = (int)Math.Clamp(config.Count("bufSize", 1 << 20), 4096, 64 << 20),
        TlsRigour = config.String("tlsRigour") switch { "lax" => TlsRigour.Lax, "strict" => TlsRigour.Strict, _ => TlsRigour.Medium },
        ServerOptions = url => ServerOptions(url, credentials),
    };

    /// <summary>The placement a sender's accept lines start from: the remote <c>directory</c>, <c>mirror</c>, <c>strip</c>, <c>flatten</c>, <c>filename</c>.</summary>
    private static Placement SendPlacement(FlowConfig config) => new(
        config.String("directory") ?? string.Empty,
        config.Flag("mirror"),
        int.TryParse(config.String("strip"), NumberStyles.None, CultureInfo.InvariantCulture, out var strip) ? strip : 0,
        config.String("flatten") ?? "/",
        config.String("filename"));

    /// <summary>sr3's default report exchange: <c>xreport</c> for a feeder or admin user, else <c>xr_&lt;user&gt;</c>.</summary>
    private static string ReportExchange(FlowConfig config, BrokerUrl? reportBroker)
    {
        var user = reportBroker?.User ?? "anonymous";
        var privileged = config.Declarations.Any(d => d.Key is "feeder" or "admin" && d.Value.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries).Contains(user, StringComparer.Ordinal)) ||
            new[] { config.String("feeder"), config.String("admin") }.Any(u => u is not null && Uri.TryCreate(u, UriKind.Absolute, out var uri) && uri.UserInfo.Split(':')[0] == user);
        return privileged ? "xreport" : "xr_" + user;
    }

    /// <summary>A server's transfer settings with what credentials.conf says about it (password, key, ftp modes, token).</summary>
    internal static TransferOptions ServerOptions(string url, CredentialStore credentials)
    {
        var found = credentials.Find(url);
        var options = new TransferOptions { Url = credentials.Complete(url) };
        return found is null ? options : options with
        {
            SshKeyFile = found.SshKeyFile,
            Passive = found.Passive,
            Binary = found.Binary,
            Tls = found.Tls,
            ProtP = found.ProtP || !found.Tls,
            ImplicitFtps = found.ImplicitFtps,
            BearerToken = found.BearerToken,
        };
    }

    /// <summary>
    /// sr3's accept/reject: masks in order, first match wins, matched against <c>baseUrl + relPath</c>; an accepted message
    /// takes the placement of its accept line (directory with variables expanded for that message, strip, flatten,
    /// filename); unmatched ones follow <c>acceptUnmatched</c>. Before matching, each message gets what sr3 sets on
    /// receipt (<see cref="NewMessageFields"/>: <c>header</c> values, its <c>source</c>).
    /// </summary>
    internal static Func<FlowMessage, FilterDecision> Filter(FlowConfig config, DownloadOptions? download, TimeProvider time, Placement? send = null)
    {
        var placing = download is not null ? new Placement(download.Directory, download.Mirror, download.Strip, download.Flatten, download.Filename) : send;
        var masks = config.Masks;
        var acceptUnmatched = config.Flag("acceptUnmatched", true);
        var inlineOnly = config.Flag("inlineOnly");
        var context = Variables.Context.Environment(time).With("PROGRAM", config.Component).With("CONFIG", config.Name);
        var newFields = NewMessageFields(config);
        return item =>
        {
            newFields(item);
            var m = item.Message;
            if (inlineOnly && m.Content is null && m.FileOp is null)
            {
                return FilterDecision.Reject("no inline content (inlineOnly)");
            }

            var url = m.BaseUrl + (m.RetrievePath ?? m.RelPath);
            foreach (var mask in masks)
            {
                if (!mask.Regex.IsMatch(url))
                {
                    continue;
                }

                if (!mask.Accept)
                {
                    return FilterDecision.Reject($"rejected by reject {mask.Pattern} ({Path.GetFileName(mask.File)}:{mask.Line})");
                }

                if (placing is not null)
                {
                    var directory = Variables.Expand(mask.Directory ?? placing.Directory, context, new Variables.MessageValues(m.Source, m.BaseUrl));
                    var strip = int.TryParse(mask.Strip, NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : placing.Strip;
                    item.Placement = new Placement(directory, mask.Mirror || placing.Mirror, strip, mask.Flatten, mask.Filename);
                }

                return FilterDecision.Accept;
            }

            if (!acceptUnmatched)
            {
                return FilterDecision.Reject("unmatched (acceptUnmatched off)");
            }

            if (placing is not null && Variables.IsPerMessage(placing.Directory))
            {
                item.Placement = placing with { Directory = Variables.Expand(placing.Directory, context, new Variables.MessageValues(m.Source, m.BaseUrl)) };
            }

            return FilterDecision.Accept;
        };
    }
}

using System.Globalization;
using System.Net;
using Sluice.Core.Brokers;
using Sluice.Core.Checksums;
using Sluice.Core.Config;
using Sluice.Core.Transfers;

namespace Sluice.Core.Components;

public static partial class ConfigMapping
{
    /// <summary>sr3 poll's options: <c>pollUrl</c> (or the older <c>destination</c>), <c>path</c>, schedule, file ages, <c>vip</c>.</summary>
    internal static PollOptions Poll(FlowConfig config, CredentialStore credentials, BrokerUrl postUrl, TransferRegistry transfers)
    {
        var errors = new List<ConfigDiagnostic>();
        var pollText = config.String("pollUrl") ?? config.String("sendTo");
        string pollUrl = string.Empty;
        if (pollText is null)
        {
            errors.Add(config.ErrorAt("pollUrl", "poll needs a pollUrl (the server to list)"));
        }
        else if (!Uri.TryCreate(credentials.Complete(pollText), UriKind.Absolute, out var uri) || !transfers.Supports(uri.Scheme))
        {
            errors.Add(config.ErrorAt("pollUrl", $"pollUrl '{TransferOptions.Redact(pollText)}' is not a URL of a protocol Sluice can list ({string.Join(", ", transfers.Schemes)})"));
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
                errors.Add(config.ErrorAt("vip", $"vip '{vip}' is not an IP address"));
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
                errors.Add(config.ErrorAt("scheduled_time", $"scheduled_time '{text}' is not a time of day (HH:MM)"));
            }
        }

        IdentitySetting identity = IdentitySetting.Parse("cod,sha512");
        try
        {
            identity = IdentitySetting.Parse(config.String("identity") ?? "cod,sha512");
        }
        catch (FormatException ex)
        {
            errors.Add(config.ErrorAt("identity", $"identity: {ex.Message}"));
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
                errors.Add(config.ErrorAt("timezone", $"timezone: {zone} is not a time zone known here (an IANA name such as America/Toronto, or UTC): {ex.Message}"));
            }
        }

        if (errors.Count > 0)
        {
            throw new ConfigException([.. errors]);
        }

        var paths = config.List("path");
        return new PollOptions
        {
            Transfers = transfers,
            PollUrl = pollUrl,
            Paths = paths.Count > 0 ? paths : ["."],
            Recursive = config.Flag("recursive"),
            PostBaseUrl = config.String("post_baseUrl") ?? DefaultBaseUrl(pollUrl),
            PostBaseDir = config.String("post_baseDir"),
            Identity = identity,
            Source = config.String("source") ?? postUrl.User,
            FromCluster = config.String("cluster") ?? postUrl.Host,
            ToClusters = config.String("to_clusters"),
            Rename = config.String("rename"),
            Sleep = config.Duration("sleep"),
            ScheduledInterval = config.Duration("scheduled_interval"),
            ScheduledHours = hours,
            ScheduledMinutes = minutes,
            ScheduledTimes = times,
            FileAgeMin = config.Duration("fileAgeMin"),
            FileAgeMax = config.Duration("fileAgeMax"),
            ListingTimeZone = listingTimeZone,
            Vip = vips,
            ServerOptions = url => ConfigMapping.ServerOptions(url, credentials) with { Timeout = config.Duration("timeout") },
        };
    }

    /// <summary>sr3's default post_baseUrl: the pollUrl, without its password, ending in '/'.</summary>
    private static string DefaultBaseUrl(string pollUrl)
    {
        var redacted = new UriBuilder(pollUrl) { Password = string.Empty }.Uri.AbsoluteUri;
        return redacted.EndsWith('/') ? redacted : redacted + "/";
    }

    private static List<int> Numbers(FlowConfig config, string option, int max, List<ConfigDiagnostic> errors)
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
                errors.Add(config.ErrorAt(option, $"{option} '{text}' is not a number from 0 to {max}"));
            }
        }

        return numbers;
    }
}

using Sluice.Core.Formats;
using Sluice.Core.Messages;

namespace Sluice.Core.Components;

/// <summary>One report as a source reads it: which file, what became of it, who did it and when.</summary>
internal sealed record ReportLine(string RelPath, string BaseUrl, int Code, string Message, string By, DateTimeOffset? When, string? Source)
{
    /// <summary>The report of a report message, or null when the message is not one.</summary>
    public static ReportLine? From(NotificationMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Report is not { } report)
        {
            return null;
        }

        DateTimeOffset? when = report.TimeCompleted is { } t && SrTime.TryParse(t, out var parsed) ? parsed : null;
        return new ReportLine(message.RelPath, message.BaseUrl, report.Code, report.Message ?? Flows.ReportCodes.Describe(report.Code), Who(report), when, message.Source);
    }

    /// <summary><c>user@host</c> from the report's <c>user</c> and <c>host</c> keys (either may be missing).</summary>
    public static string Who(Report report)
    {
        ArgumentNullException.ThrowIfNull(report);
        string? user = null, host = null;
        foreach (var extra in report.Extra ?? [])
        {
            if (extra.Name == "user")
            {
                user = extra.StringValue;
            }
            else if (extra.Name == "host")
            {
                host = extra.StringValue;
            }
        }

        return user is null ? host ?? string.Empty : host is null ? user : user + "@" + host;
    }
}

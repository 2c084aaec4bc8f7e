using Microsoft.Extensions.Logging;
using Sluice.Core.Components;
using Sluice.Core.Flows;
using Sluice.Core.Logging;

namespace Sluice.Core.Work;

/// <summary>
/// The work of the <c>report</c> component: each report message consumed is logged (its code, message, file, who
/// and when); a message without a <c>report</c> field is rejected as not a report. With a post_broker the reports
/// are forwarded as well, as sr3's report (a shovel of reports) does.
/// </summary>
internal sealed partial class ReportWork(ILogger logger) : IFlowWork
{
    public ValueTask<WorkOutcome> DoAsync(FlowMessage item, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        var message = item.Message;
        if (message.Report is not { } report)
        {
            item.Code = ReportCodes.Refused;
            item.Reason = "not a report message (no report field)";
            return ValueTask.FromResult(WorkOutcome.Reject);
        }

        var by = ReportLine.Who(report);
        Reported(logger, report.Code, report.Message ?? ReportCodes.Describe(report.Code), message.BaseUrl, message.RelPath, by.Length == 0 ? "-" : by, report.TimeCompleted ?? "-");
        return ValueTask.FromResult(WorkOutcome.Ok);
    }

    [LoggerMessage(EventId = LogEvents.Report.Reported, Level = LogLevel.Information, Message = "report: {Code} {Reason} {BaseUrl} {RelPath} by {By} at {TimeCompleted}")]
    private static partial void Reported(ILogger logger, int code, string reason, string baseUrl, string relPath, string by, string timeCompleted);
}

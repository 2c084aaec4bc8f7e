using Sluice.Core.Components;
using Sluice.Core.Flows;
using Sluice.Core.Formats;
using Sluice.Core.Logging;
using Sluice.Core.Work;

namespace Sluice.Core.Tests.Work;

public class ReportWorkTests
{
    [Fact]
    public async Task A_report_from_sr3_is_logged_with_its_code_file_and_time_and_anything_else_is_rejected()
    {
        var log = new StringWriter();
        using var provider = new TextWriterLoggerProvider(log);
        var work = new ReportWork(provider.CreateLogger("report"));
        var message = MessageFormats.Decode(CapturedMessage.Parse(Fixtures.Read("amqp_v03/report_201_sha512.json")).Wire);

        Assert.Equal(WorkOutcome.Ok, await work.DoAsync(new FlowMessage(message), CancellationToken.None));
        Assert.Contains("report: 201 Download successful http://127.0.0.1:8091/ srv/data/dst_rep/samples/s_sha512.txt by - at 20261123T184636.202902794", log.ToString(), StringComparison.Ordinal);

        message.Report = null;
        var notReport = new FlowMessage(message);
        Assert.Equal(WorkOutcome.Reject, await work.DoAsync(notReport, CancellationToken.None));
        Assert.Equal(ReportCodes.Refused, notReport.Code);
    }

    [Fact]
    public void Who_reads_the_user_and_host_a_Sluice_report_carries()
    {
        var report = new Sluice.Core.Messages.Report(201, "20261123T184636.2", "Download successful")
        {
            Extra = [Sluice.Core.Messages.Header.FromString("host", "pump1"), Sluice.Core.Messages.Header.FromString("user", "alice")],
        };
        Assert.Equal("alice@pump1", ReportLine.Who(report));
        Assert.Equal(string.Empty, ReportLine.Who(report with { Extra = null }));
    }
}

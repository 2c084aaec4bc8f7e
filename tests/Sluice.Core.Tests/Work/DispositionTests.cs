using Sluice.Core.Flows;
using Sluice.Core.Transfers;
using Sluice.Core.Work;

namespace Sluice.Core.Tests.Work;

/// <summary>The one map from a failure of the work stage to what becomes of the message, and its report code.</summary>
public class DispositionTests
{
    private const string Url = "sftp://bob:secret@host/";

    public static TheoryData<Exception, string, int> Failures() => new()
    {
        { new UnsafePathException("../etc/passwd", "leaves the directory"), "Reject", ReportCodes.Refused },
        { new TransferVerificationException(Url, "a/b", VerificationFailure.Identity, "x", "y", 1), "Retry", ReportCodes.Corrupt },
        { new TransferVerificationException(Url, "a/b", VerificationFailure.Size, "10", "9", 1), "Retry", ReportCodes.Failed },
        { new TransferException(Url, "get a/b: no such file", isTransient: false) { IsNotFound = true }, "Reject", ReportCodes.NotFound },
        { new TransferException(Url, "GET /a/b: HTTP 503 Service Unavailable", isTransient: true) { StatusCode = 503 }, "Retry", ReportCodes.Failed },
        { new TransferException(Url, "connect: connection refused", isTransient: true), "Reconnect", ReportCodes.Failed },
        { new TransferException(Url, "get a/b: permission denied", isTransient: false), "Reject", ReportCodes.Refused },
        { new IOException("No space left on device", 28), "Retry", ReportCodes.Failed },
        { new UnauthorizedAccessException("Access to the path '/data/x' is denied."), "Retry", ReportCodes.Failed },
    };

    [Theory]
    [MemberData(nameof(Failures))]
    public void Each_failure_has_one_disposition_and_report_code(Exception failure, string kind, int code)
    {
        var disposition = Disposition.For(failure);

        Assert.Equal(new Disposition(Enum.Parse<DispositionKind>(kind), code), disposition);
        Assert.Equal(kind == "Reject" ? WorkOutcome.Reject : WorkOutcome.Retry, disposition!.Value.Outcome);
    }

    [Fact]
    public void Not_found_is_decided_by_the_transfer_not_by_the_words_of_its_message()
    {
        // Worded like a not-found, but the transfer did not say so: a refusal, not a 404.
        var refused = new TransferException(Url, "GET /404/no such file: HTTP 403 Forbidden", isTransient: false) { StatusCode = 403 };
        Assert.Equal(new Disposition(DispositionKind.Reject, ReportCodes.Refused), Disposition.For(refused));

        // Said so by the transfer, in any words.
        var gone = new TransferException(Url, "RETR a/b: 550 Failed to open file.", isTransient: false) { IsNotFound = true };
        Assert.Equal(new Disposition(DispositionKind.Reject, ReportCodes.NotFound), Disposition.For(gone));
    }

    [Fact]
    public void A_full_disk_is_retried_never_rejected_even_when_it_breaks_a_download()
    {
        // The receiver wraps a failed local write of the received data into a transient transfer failure.
        var wrapped = new TransferException(Url, "writing the received data failed after 4096 bytes: No space left on device", isTransient: true, new IOException("No space left on device", 28));

        Assert.NotEqual(WorkOutcome.Reject, Disposition.For(wrapped)!.Value.Outcome);
        Assert.Equal(WorkOutcome.Retry, Disposition.For(new IOException("No space left on device", 28))!.Value.Outcome);
    }

    [Fact]
    public void A_failure_the_work_stage_does_not_know_is_left_to_the_flow()
    {
        Assert.Null(Disposition.For(new InvalidOperationException("a defect")));
    }

    [Fact]
    public void Applying_a_disposition_sets_the_report_code_and_reason_of_the_message()
    {
        var item = new FlowMessage(new Messages.NotificationMessage("20250101T000000", "http://h/", "a/b"));

        var outcome = new Disposition(DispositionKind.Reject, ReportCodes.NotFound).Apply(item, "gone");

        Assert.Equal(WorkOutcome.Reject, outcome);
        Assert.Equal(ReportCodes.NotFound, item.Code);
        Assert.Equal("gone", item.Reason);
    }
}

namespace Sluice.Core.Flows;

/// <summary>sr3's HTTP-like report codes.</summary>
internal static class ReportCodes
{
    public const int Ok = 201;
    public const int Transformed = 203;
    public const int Recalculated = 205;
    public const int NotModified = 304;
    public const int Deferred = 307;
    public const int Refused = 403;
    public const int NotFound = 404;
    public const int TooOld = 406;
    public const int TooLarge = 413;
    public const int Corrupt = 417;
    public const int Quarantined = 422;
    public const int Failed = 499;
    public const int Unavailable = 503;

    /// <summary>The standard wording of a code, as sr3 logs it.</summary>
    public static string Describe(int code) => code switch
    {
        Ok => "Download successful",
        Transformed => "Non-Authoritative Information: transformed during download",
        Recalculated => "Reset Content: checksum recalculated on receipt",
        NotModified => "Not modified",
        Deferred => "Insertion deferred",
        Refused => "Forbidden",
        NotFound => "Not Found",
        TooOld => "Not Acceptable: too old",
        TooLarge => "Payload Too Large: over fileSizeMax",
        Corrupt => "Expectation Failed: invalid message (corrupt headers or checksum mismatch)",
        Quarantined => "Unprocessable: quarantined by the validation scan",
        Failed => "Failed",
        Unavailable => "Service unavailable",
        _ => "code " + code,
    };
}

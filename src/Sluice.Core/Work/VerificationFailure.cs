namespace Sluice.Core.Work;

/// <summary>What did not match when a received file was verified.</summary>
internal enum VerificationFailure
{
    Size,
    Identity,
}

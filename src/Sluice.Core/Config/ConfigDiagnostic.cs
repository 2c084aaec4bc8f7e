namespace Sluice.Core.Config;

/// <summary>A problem found in a configuration file, reported as <c>file:line: message</c>.</summary>
public sealed record ConfigDiagnostic(string File, int Line, bool IsError, string Message)
{
    public override string ToString() => $"{File}:{Line}: {(IsError ? "error" : "warning")}: {Message}";
}

namespace Sluice.Core.Config;

/// <summary>One option line, after includes: today's option name, its value text, and where it was written.</summary>
public sealed record ConfigEntry(string Option, string Value, string File, int Line, string WrittenAs);

namespace Sluice.Cli;

/// <summary>The console streams a command writes to and reads from (so tests can supply their own).</summary>
internal sealed record CliContext(TextWriter Out, TextWriter Error, Func<Stream> OpenStdin);

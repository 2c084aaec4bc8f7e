using Sluice.Core.Flows;

namespace Sluice.Core.Components;

/// <summary>What a post announces: the files and trees given (its <c>path</c> lines, or the command line's), and how.</summary>
internal sealed record PostSource(AnnounceOptions Announce, IReadOnlyList<string> Paths);

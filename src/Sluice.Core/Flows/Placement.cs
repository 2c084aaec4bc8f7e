namespace Sluice.Core.Flows;

/// <summary>Where an accepted file goes: the <c>directory</c>, <c>mirror</c> and <c>strip</c> in force for its accept line.</summary>
public sealed record Placement(string Directory, bool Mirror, int Strip);

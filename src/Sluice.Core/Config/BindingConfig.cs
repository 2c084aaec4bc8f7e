namespace Sluice.Core.Config;

/// <summary>A <c>subtopic</c> line with the exchange and topicPrefix in force where it was written.</summary>
public sealed record BindingConfig(string Exchange, string TopicPrefix, string Subtopic);

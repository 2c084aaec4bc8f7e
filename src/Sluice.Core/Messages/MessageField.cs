namespace Sluice.Core.Messages;

/// <summary>The fields of a v03 message the model knows, in sr3's order for messages it creates.</summary>
internal enum MessageField : byte
{
    Blocks,
    PubTime,
    RelPath,
    BaseUrl,
    RetrievePath,
    Rename,
    FromCluster,
    Source,
    ToClusters,
    Mode,
    Size,
    Mtime,
    Atime,
    Identity,
    ContentType,
    Content,
    FileOp,
    Report,
    Type,
    Geometry,

    /// <summary>The next user header, in the order of <see cref="NotificationMessage.Headers"/>.</summary>
    Header,
}

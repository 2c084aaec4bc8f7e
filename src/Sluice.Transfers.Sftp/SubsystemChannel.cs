using System.Reflection;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Sluice.Transfers.Sftp;

/// <summary>
/// An SSH subsystem channel (here <c>sftp</c>) opened on an SSH.NET connection, with the bytes of the channel passed
/// to <see cref="SftpSession"/> as they arrive. SSH.NET opens such a channel only inside its own <c>SftpClient</c>,
/// whose every request waits through three thread-pool registered waits, a timer and a thread-pool hop: measured on
/// loopback, that cost half the CPU of a download and two thirds of the time of a small file (docs/performance.md).
/// No other library here speaks sftp, so Sluice speaks it itself (<see cref="SftpSession"/>) and takes from SSH.NET
/// what it does well: the connection, key exchange, authentication and ciphers.
/// </summary>
/// <remarks>
/// SSH.NET keeps its channel API internal, so this class reaches it by reflection, once per connection: the
/// session's <c>CreateChannelSession</c>, the channel's <c>Open</c>, <c>SendSubsystemRequest</c>, <c>SendData</c>
/// and <c>Dispose</c>, and its <c>DataReceived</c> and <c>Closed</c> events. The members are those of the SSH.NET
/// version pinned in Directory.Packages.props; <see cref="Api"/> looks them all up at first use and a missing one
/// fails every sftp operation with a message naming it (the sftp tests fail at once on a version that changed them).
/// </remarks>
internal sealed class SubsystemChannel : IDisposable
{
    private readonly object _channel;
    private readonly Action<ArraySegment<byte>> _received;
    private readonly Action<Exception> _closed;
    private readonly Session _session;
    private readonly Delegate _onData;
    private readonly Delegate _onClosed;
    private int _disposed;

    private SubsystemChannel(Session session, object channel, Action<ArraySegment<byte>> received, Action<Exception> closed)
    {
        _session = session;
        _channel = channel;
        _received = received;
        _closed = closed;
        _onData = Delegate.CreateDelegate(Api.Value.DataReceived.EventHandlerType!, this, typeof(SubsystemChannel).GetMethod(nameof(OnData), BindingFlags.NonPublic | BindingFlags.Instance)!);
        _onClosed = Delegate.CreateDelegate(Api.Value.Closed.EventHandlerType!, this, typeof(SubsystemChannel).GetMethod(nameof(OnClosed), BindingFlags.NonPublic | BindingFlags.Instance)!);
    }

    /// <summary>
    /// Opens a session channel on <paramref name="client"/>'s connection and starts <paramref name="subsystem"/> in it.
    /// <paramref name="received"/> is called on SSH.NET's receive thread with each chunk of channel data (the array is
    /// SSH.NET's: copy before returning); <paramref name="closed"/> once, when the channel or the connection ends.
    /// </summary>
    public static SubsystemChannel Open(SshClient client, string subsystem, Action<ArraySegment<byte>> received, Action<Exception> closed)
    {
        var api = Api.Value;
        var session = api.Session.GetValue(client) as Session ?? throw new SshConnectionException("the connection is not open");
        var channel = Invoke(api.CreateChannelSession, session);
        var opened = new SubsystemChannel(session, channel, received, closed);
        try
        {
            api.DataReceived.AddMethod!.Invoke(channel, [opened._onData]);
            api.Closed.AddMethod!.Invoke(channel, [opened._onClosed]);
            session.Disconnected += opened.OnDisconnected;
            session.ErrorOccured += opened.OnError;
            Invoke(api.Open, channel);
            if (Invoke(api.SendSubsystemRequest, channel, subsystem) is not true)
            {
                throw new SshException($"the server refused to start the {subsystem} subsystem");
            }
        }
        catch
        {
            opened.Dispose();
            throw;
        }

        return opened;
    }

    /// <summary>Sends <paramref name="count"/> bytes of <paramref name="data"/>; waits while the server's window is full.</summary>
    public void Send(byte[] data, int offset, int count)
    {
        // SSH.NET's SendData does nothing on a closed channel: say so instead.
        if (Volatile.Read(ref _disposed) != 0 || Api.Value.IsOpen.GetValue(_channel) is not true)
        {
            throw new SshConnectionException("the sftp channel is closed");
        }

        Invoke(Api.Value.SendData, _channel, data, offset, count);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _session.Disconnected -= OnDisconnected;
        _session.ErrorOccured -= OnError;
        try
        {
            Api.Value.DataReceived.RemoveMethod!.Invoke(_channel, [_onData]);
            Api.Value.Closed.RemoveMethod!.Invoke(_channel, [_onClosed]);
            ((IDisposable)_channel).Dispose();
        }
        catch (TargetInvocationException)
        {
            // The connection is already gone: nothing is left to close.
        }
    }

    private static object Invoke(MethodInfo method, object target, params object?[] arguments)
    {
        try
        {
            return method.Invoke(target, arguments)!;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(e.InnerException);
            throw;
        }
    }

    private void OnData(object? sender, EventArgs e) => _received((ArraySegment<byte>)Api.Value.Data.GetValue(e)!);

    private void OnClosed(object? sender, EventArgs e) => _closed(new SshConnectionException("the server closed the sftp channel"));

    private void OnDisconnected(object? sender, EventArgs e) => _closed(new SshConnectionException("the server closed the connection"));

    private void OnError(object? sender, ExceptionEventArgs e) => _closed(e.Exception);

    /// <summary>The SSH.NET members used, looked up once.</summary>
    private static readonly Lazy<Members> Api = new(Members.Find);

    private sealed record Members(PropertyInfo Session, MethodInfo CreateChannelSession, MethodInfo Open, MethodInfo SendSubsystemRequest, MethodInfo SendData, PropertyInfo IsOpen, EventInfo DataReceived, EventInfo Closed, PropertyInfo Data)
    {
        public static Members Find()
        {
            var assembly = typeof(SshClient).Assembly;
            var version = assembly.GetName().Version;
            Type TypeOf(string name) => assembly.GetType(name) ?? throw Missing(name);
            T Found<T>(T? member, string name)
                where T : MemberInfo => member ?? throw Missing(name);
            InvalidOperationException Missing(string name) => new($"SSH.NET {version} has no {name}, which Sluice's sftp uses: use the SSH.NET version of Directory.Packages.props");

            var session = TypeOf("Renci.SshNet.ISession");
            var channelSession = TypeOf("Renci.SshNet.Channels.IChannelSession");
            var channel = TypeOf("Renci.SshNet.Channels.IChannel");
            var dataArgs = TypeOf("Renci.SshNet.Common.ChannelDataEventArgs");
            return new Members(
                Found(typeof(BaseClient).GetProperty("Session", BindingFlags.NonPublic | BindingFlags.Instance), "BaseClient.Session"),
                Found(session.GetMethod("CreateChannelSession", Type.EmptyTypes), "ISession.CreateChannelSession"),
                Found(channelSession.GetMethod("Open", Type.EmptyTypes), "IChannelSession.Open"),
                Found(channelSession.GetMethod("SendSubsystemRequest", [typeof(string)]), "IChannelSession.SendSubsystemRequest"),
                Found(channel.GetMethod("SendData", [typeof(byte[]), typeof(int), typeof(int)]), "IChannel.SendData"),
                Found(channel.GetProperty("IsOpen"), "IChannel.IsOpen"),
                Found(channel.GetEvent("DataReceived"), "IChannel.DataReceived"),
                Found(channel.GetEvent("Closed"), "IChannel.Closed"),
                Found(dataArgs.GetProperty("Data"), "ChannelDataEventArgs.Data"));
        }
    }
}

using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Renci.SshNet.Common;

namespace Sluice.Transfers.Sftp;

/// <summary>The sftp (version 3, draft-ietf-secsh-filexfer-02) packet types and flags Sluice uses.</summary>
internal static class SftpWire
{
    public const byte Init = 1, Version = 2, Open = 3, Close = 4, Read = 5, Write = 6, LStat = 7, OpenDir = 11,
        ReadDir = 12, Remove = 13, MkDir = 14, RmDir = 15, Stat = 17, Rename = 18, Symlink = 20, Extended = 200;

    public const byte Status = 101, Handle = 102, Data = 103, Name = 104, Attrs = 105, ExtendedReply = 201;

    public const uint OpenRead = 0x01, OpenWrite = 0x02, OpenCreate = 0x08, OpenTruncate = 0x10;

    public const uint AttrSize = 0x01, AttrUidGid = 0x02, AttrPermissions = 0x04, AttrTimes = 0x08, AttrExtended = 0x80000000;

    public const uint FileTypeMask = 0xF000, Directory = 0x4000, SymbolicLink = 0xA000;

    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);
}

/// <summary>A received sftp packet (type byte onwards) in a pooled buffer: return it with <see cref="Dispose"/>.</summary>
internal readonly struct SftpPacket(byte[] buffer, int length) : IDisposable
{
    public byte Type => buffer[0];

    public uint Id => BinaryPrimitives.ReadUInt32BigEndian(buffer.AsSpan(1));

    public ReadOnlySpan<byte> Span => buffer.AsSpan(0, length);

    public ReadOnlyMemory<byte> Memory(int start, int count) => buffer.AsMemory(start, count);

    public SftpReader Reader(int start = 5) => new(Span, start);

    public void Dispose() => ArrayPool<byte>.Shared.Return(buffer);
}

/// <summary>Reads the fields of a packet; a field that runs past the packet's end is a protocol error.</summary>
internal ref struct SftpReader(ReadOnlySpan<byte> packet, int position)
{
    private readonly ReadOnlySpan<byte> _packet = packet;

    public int Position { get; private set; } = position;

    public readonly bool AtEnd => Position >= _packet.Length;

    public uint UInt32() => BinaryPrimitives.ReadUInt32BigEndian(Take(4));

    public ulong UInt64() => BinaryPrimitives.ReadUInt64BigEndian(Take(8));

    public ReadOnlySpan<byte> Bytes() => Take(checked((int)UInt32()));

    public string String() => SftpWire.Utf8.GetString(Bytes());

    /// <summary>The attributes (flags, then the fields they announce).</summary>
    public SftpAttributes Attributes()
    {
        var flags = UInt32();
        var size = (flags & SftpWire.AttrSize) != 0 ? (long?)UInt64() : null;
        if ((flags & SftpWire.AttrUidGid) != 0)
        {
            UInt64();
        }

        var permissions = (flags & SftpWire.AttrPermissions) != 0 ? (uint?)UInt32() : null;
        long? modified = null;
        if ((flags & SftpWire.AttrTimes) != 0)
        {
            UInt32();
            modified = UInt32();
        }

        if ((flags & SftpWire.AttrExtended) != 0)
        {
            for (var count = UInt32(); count > 0; count--)
            {
                Bytes();
                Bytes();
            }
        }

        return new SftpAttributes(size, permissions, modified);
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || _packet.Length - Position < count)
        {
            throw new SshException($"malformed sftp packet (type {_packet[0]}): a field runs past its end at byte {Position}");
        }

        var field = _packet.Slice(Position, count);
        Position += count;
        return field;
    }
}

/// <summary>What Sluice uses of a file's attributes.</summary>
internal readonly record struct SftpAttributes(long? Size, uint? Permissions, long? ModifiedUnixSeconds)
{
    public bool IsDirectory => (Permissions & SftpWire.FileTypeMask) == SftpWire.Directory;

    public bool IsSymbolicLink => (Permissions & SftpWire.FileTypeMask) == SftpWire.SymbolicLink;
}

/// <summary>Builds one request in a pooled buffer: the length field is filled in by <see cref="Finish"/>.</summary>
internal struct SftpWriter
{
    private byte[] _buffer;
    private int _length;

    public SftpWriter(byte type, int capacity)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(capacity, 64));
        _length = 4;
        _buffer[_length++] = type;
    }

    public void UInt32(uint value)
    {
        Ensure(4);
        BinaryPrimitives.WriteUInt32BigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void UInt64(ulong value)
    {
        Ensure(8);
        BinaryPrimitives.WriteUInt64BigEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    public void Bytes(ReadOnlySpan<byte> value)
    {
        UInt32((uint)value.Length);
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
    }

    public void String(string value)
    {
        var count = SftpWire.Utf8.GetByteCount(value);
        UInt32((uint)count);
        Ensure(count);
        _length += SftpWire.Utf8.GetBytes(value, _buffer.AsSpan(_length));
    }

    /// <summary>Fills in the length; the caller sends <c>buffer[0..length]</c> and then returns the buffer to the pool.</summary>
    public readonly (byte[] Buffer, int Length) Finish()
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer, (uint)(_length - 4));
        return (_buffer, _length);
    }

    private void Ensure(int more)
    {
        if (_length + more > _buffer.Length)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
            _buffer.AsSpan(0, _length).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = bigger;
        }
    }
}

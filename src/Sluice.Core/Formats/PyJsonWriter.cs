using System.Buffers;
using System.Text;

namespace Sluice.Core.Formats;

/// <summary>
/// Writes JSON byte for byte as Python's <c>json.dumps</c> does with its defaults, which is how sr3
/// writes message bodies: <c>", "</c> and <c>": "</c> separators, non-ASCII escaped as <c>\uXXXX</c>.
/// </summary>
/// <remarks>
/// Written by hand because <see cref="System.Text.Json.Utf8JsonWriter"/> cannot produce Python's
/// separators, and matching sr3's bytes is what lets Sluice stand beside sr3 pumps. The buffer is
/// rented from the shared pool; dispose the writer to return it.
/// </remarks>
internal sealed class PyJsonWriter : IDisposable
{
    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    private byte[] _buffer;
    private int _length;
    private bool _needComma;

    public PyJsonWriter(int initialCapacity = 1024)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);
    }

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => Written.ToArray();

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void StartObject()
    {
        Separate();
        Byte((byte)'{');
        _needComma = false;
    }

    public void EndObject()
    {
        Byte((byte)'}');
        _needComma = true;
    }

    public void StartArray()
    {
        Separate();
        Byte((byte)'[');
        _needComma = false;
    }

    public void EndArray()
    {
        Byte((byte)']');
        _needComma = true;
    }

    /// <summary>Writes a property name; the value written next belongs to it.</summary>
    public void Name(string name)
    {
        Separate();
        Quoted(name);
        Ascii(": ");
        _needComma = false;
    }

    public void String(string? value)
    {
        Separate();
        if (value is null)
        {
            Ascii("null");
        }
        else
        {
            Quoted(value);
        }

        _needComma = true;
    }

    public void Number(long value)
    {
        Separate();
        Ensure(20);
        value.TryFormat(_buffer.AsSpan(_length), out var written, default, System.Globalization.CultureInfo.InvariantCulture);
        _length += written;
        _needComma = true;
    }

    public void Null()
    {
        Separate();
        Ascii("null");
        _needComma = true;
    }

    /// <summary>Writes JSON text as it is (a value kept raw from a decoded message).</summary>
    public void Raw(string json)
    {
        Separate();
        var max = Encoding.UTF8.GetMaxByteCount(json.Length);
        Ensure(max);
        _length += Encoding.UTF8.GetBytes(json, _buffer.AsSpan(_length));
        _needComma = true;
    }

    public void Property(string name, string? value)
    {
        Name(name);
        String(value);
    }

    public void Property(string name, long value)
    {
        Name(name);
        Number(value);
    }

    /// <summary>A string as Python's <c>json.dumps</c> quotes it.</summary>
    public static string Quote(string value)
    {
        using var writer = new PyJsonWriter(value.Length + 16);
        writer.Quoted(value);
        return Encoding.ASCII.GetString(writer.Written);
    }

    private void Separate()
    {
        if (_needComma)
        {
            Ensure(2);
            _buffer[_length++] = (byte)',';
            _buffer[_length++] = (byte)' ';
            _needComma = false;
        }
    }

    private void Quoted(string value)
    {
        // Worst case: every char becomes \uXXXX (6 bytes), plus the quotes.
        Ensure((value.Length * 6) + 2);
        var buffer = _buffer;
        var n = _length;
        buffer[n++] = (byte)'"';
        foreach (var c in value)
        {
            if (c >= ' ' && c <= '~' && c != '"' && c != '\\')
            {
                buffer[n++] = (byte)c;
                continue;
            }

            buffer[n++] = (byte)'\\';
            switch (c)
            {
                case '"': buffer[n++] = (byte)'"'; break;
                case '\\': buffer[n++] = (byte)'\\'; break;
                case '\n': buffer[n++] = (byte)'n'; break;
                case '\r': buffer[n++] = (byte)'r'; break;
                case '\t': buffer[n++] = (byte)'t'; break;
                case '\b': buffer[n++] = (byte)'b'; break;
                case '\f': buffer[n++] = (byte)'f'; break;
                default:
                    buffer[n++] = (byte)'u';
                    buffer[n++] = Hex[(c >> 12) & 0xF];
                    buffer[n++] = Hex[(c >> 8) & 0xF];
                    buffer[n++] = Hex[(c >> 4) & 0xF];
                    buffer[n++] = Hex[c & 0xF];
                    break;
            }
        }

        buffer[n++] = (byte)'"';
        _length = n;
    }

    private void Ascii(string text)
    {
        Ensure(text.Length);
        foreach (var c in text)
        {
            _buffer[_length++] = (byte)c;
        }
    }

    private void Byte(byte b)
    {
        Ensure(1);
        _buffer[_length++] = b;
    }

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + more));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }
}

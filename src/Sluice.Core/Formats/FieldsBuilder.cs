using Sluice.Core.Messages;

namespace Sluice.Core.Formats;

/// <summary>Collects the order of a message's fields while it is decoded (each known field once).</summary>
internal sealed class FieldsBuilder
{
    private MessageField[] _fields = new MessageField[24];
    private int _count;
    private uint _seen;

    public void Add(MessageField field)
    {
        if (field != MessageField.Header)
        {
            var bit = 1u << (int)field;
            if ((_seen & bit) != 0)
            {
                return;
            }

            _seen |= bit;
        }

        if (_count == _fields.Length)
        {
            Array.Resize(ref _fields, _count * 2);
        }

        _fields[_count++] = field;
    }

    public MessageField[] ToArray() => _fields.AsSpan(0, _count).ToArray();
}

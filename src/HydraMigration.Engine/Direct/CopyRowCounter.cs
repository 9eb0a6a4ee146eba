using System;

namespace HydraMigration.Direct;

/// <summary>
/// Counts the rows in a COPY stream as it passes through, so the manifest's row counts come
/// from the rows really copied, in the snapshot, without a second scan of the source. Binary
/// COPY: a fixed header, then per row a 16-bit field count and per field a 32-bit length and
/// that many bytes, ended by a field count of -1. Text COPY: one line per row (newlines inside
/// values are escaped as \n), so every line feed ends a row.
/// </summary>
internal sealed class CopyRowCounter
{
    private const int SignatureLength = 11; // "PGCOPY\n\377\r\n\0"

    private readonly bool _binary;
    private readonly byte[] _word = new byte[4];
    private State _state;
    private int _wordFilled;
    private int _wordLength;
    private long _skip;
    private int _fieldsLeft;

    public CopyRowCounter(bool binary)
    {
        _binary = binary;
        _state = State.Signature;
        _skip = SignatureLength + 4; // signature and flags
    }

    private enum State
    {
        Signature,
        ExtensionLength,
        ExtensionBytes,
        FieldCount,
        FieldLength,
        FieldBytes,
        Trailer,
    }

    public long Rows { get; private set; }

    /// <summary>Text: the characters of a chunk.</summary>
    public void AddText(char[] buffer, int count)
    {
        for (var i = 0; i < count; i++)
        {
            if (buffer[i] == '\n')
            {
                Rows++;
            }
        }
    }

    /// <summary>Binary: the bytes of a chunk, in stream order.</summary>
    public void AddBinary(byte[] buffer, int offset, int count)
    {
        if (!_binary)
        {
            throw new InvalidOperationException("A text COPY stream is counted with AddText.");
        }

        var i = offset;
        var end = offset + count;
        while (i < end && _state != State.Trailer)
        {
            switch (_state)
            {
                case State.Signature:
                case State.ExtensionBytes:
                case State.FieldBytes:
                    var take = (int)Math.Min(_skip, end - i);
                    i += take;
                    _skip -= take;
                    if (_skip == 0)
                    {
                        Skipped();
                    }

                    break;
                default:
                    if (_wordFilled == 0 && end - i >= _wordLength)
                    {
                        // The whole word is in this chunk (all but at a chunk's edge): take it at once.
                        _word[0] = buffer[i];
                        _word[1] = buffer[i + 1];
                        if (_wordLength == 4)
                        {
                            _word[2] = buffer[i + 2];
                            _word[3] = buffer[i + 3];
                        }

                        i += _wordLength;
                        WordRead();
                        break;
                    }

                    _word[_wordFilled++] = buffer[i++];
                    if (_wordFilled == _wordLength)
                    {
                        _wordFilled = 0;
                        WordRead();
                    }

                    break;
            }
        }
    }

    private void Skipped()
    {
        switch (_state)
        {
            case State.Signature:
                Expect(State.ExtensionLength, 4);
                break;
            case State.ExtensionBytes:
                Expect(State.FieldCount, 2);
                break;
            case State.FieldBytes:
                NextField();
                break;
        }
    }

    private void WordRead()
    {
        switch (_state)
        {
            case State.ExtensionLength:
                _skip = Int32();
                if (_skip == 0)
                {
                    Expect(State.FieldCount, 2);
                }
                else
                {
                    _state = State.ExtensionBytes;
                }

                break;
            case State.FieldCount:
                var fields = (short)((_word[0] << 8) | _word[1]);
                if (fields < 0)
                {
                    _state = State.Trailer;
                    return;
                }

                Rows++;
                _fieldsLeft = fields;
                NextField();
                break;
            case State.FieldLength:
                var length = Int32();
                if (length <= 0)
                {
                    NextField(); // NULL (-1) or empty
                }
                else
                {
                    _skip = length;
                    _state = State.FieldBytes;
                }

                break;
        }
    }

    private void NextField()
    {
        if (_fieldsLeft == 0)
        {
            Expect(State.FieldCount, 2);
            return;
        }

        _fieldsLeft--;
        Expect(State.FieldLength, 4);
    }

    private void Expect(State state, int length)
    {
        _state = state;
        _wordLength = length;
        _wordFilled = 0;
    }

    private int Int32() => (_word[0] << 24) | (_word[1] << 16) | (_word[2] << 8) | _word[3];
}

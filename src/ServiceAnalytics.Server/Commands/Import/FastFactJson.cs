using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;

namespace ServiceAnalytics.Server.Commands.Import;

/// <summary>
/// A fast path for the common shape of a line: a message in the proto3 JSON mapping read with System.Text.Json's
/// <see cref="Utf8JsonReader"/> straight from UTF-8, through the message's descriptor (field JSON and proto names,
/// 64-bit integers as numbers or strings, enums by name or number, RFC 3339 timestamps in UTC, nested messages,
/// repeated fields). Google.Protobuf's <see cref="JsonParser"/> reads a string char by char and was the import's
/// bottleneck (about 100k facts/s on one core). Anything this reader is not sure it reads as <see cref="JsonParser"/>
/// would — null values, a repeated key, two members of a oneof, a time-zone offset, other well-known types, maps,
/// special float values, malformed JSON — makes it return null, and the caller asks <see cref="JsonParser"/>, which
/// then decides (and names the problem): so what is accepted, and how, is always <see cref="JsonParser"/>'s.
/// </summary>
public static class FastFactJson
{
    private static readonly ConcurrentDictionary<MessageDescriptor, Dictionary<string, FieldDescriptor>> s_fields = new();

    /// <summary>The message read from <paramref name="utf8"/>, or null to leave the line to <see cref="JsonParser"/>.</summary>
    public static T? TryParse<T>(ReadOnlySpan<byte> utf8) where T : class, IMessage<T>, new()
    {
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = 32 });
        try
        {
            var message = new T();
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && ReadMessage(ref reader, message) && !reader.Read() ? message : null;
        }
        catch (Exception error) when (error is JsonException or InvalidOperationException or FormatException or OverflowException or InvalidCastException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Reads the members of an object (the reader is on its start) into <paramref name="message"/>.</summary>
    private static bool ReadMessage(ref Utf8JsonReader reader, IMessage message)
    {
        var fields = s_fields.GetOrAdd(message.Descriptor, FieldsByName);
        // The fields read so far, by number (the facts' are all below 64; a message with higher numbers is left to JsonParser).
        var seen = 0UL;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!fields.TryGetValue(reader.GetString()!, out var field) || field.FieldNumber >= 64 || (seen & (1UL << field.FieldNumber)) != 0
                || !reader.Read() || reader.TokenType == JsonTokenType.Null)
            {
                return false;
            }

            seen |= 1UL << field.FieldNumber;

            if (field.IsMap)
            {
                return false;
            }

            if (field.IsRepeated)
            {
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return false;
                }

                var list = (IList)field.Accessor.GetValue(message);
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (ReadValue(ref reader, field) is not { } item)
                    {
                        return false;
                    }

                    list.Add(item);
                }

                continue;
            }

            if (field.RealContainingOneof is { } oneof && oneof.Accessor.GetCaseFieldDescriptor(message) is not null)
            {
                return false;
            }

            if (ReadValue(ref reader, field) is not { } value)
            {
                return false;
            }

            field.Accessor.SetValue(message, value);
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    /// <summary>One value of <paramref name="field"/>'s type (the reader is on it), or null when unsure.</summary>
    private static object? ReadValue(ref Utf8JsonReader reader, FieldDescriptor field)
    {
        var token = reader.TokenType;
        return field.FieldType switch
        {
            FieldType.String when token == JsonTokenType.String => reader.GetString(),
            FieldType.Bool when token is JsonTokenType.True or JsonTokenType.False => reader.GetBoolean(),
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 when token == JsonTokenType.Number && reader.TryGetInt32(out var i) => i,
            FieldType.UInt32 or FieldType.Fixed32 when token == JsonTokenType.Number && reader.TryGetUInt32(out var u) => u,
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => token switch
            {
                JsonTokenType.Number when reader.TryGetInt64(out var l) => l,
                JsonTokenType.String when long.TryParse(reader.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
                _ => null,
            },
            FieldType.UInt64 or FieldType.Fixed64 => token switch
            {
                JsonTokenType.Number when reader.TryGetUInt64(out var l) => l,
                JsonTokenType.String when ulong.TryParse(reader.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var l) => l,
                _ => null,
            },
            FieldType.Double when token == JsonTokenType.Number && reader.TryGetDouble(out var d) => d,
            FieldType.Float when token == JsonTokenType.Number && reader.TryGetDouble(out var d) && Math.Abs(d) <= float.MaxValue => (float)d,
            FieldType.Enum => token switch
            {
                JsonTokenType.String => field.EnumType.FindValueByName(reader.GetString()!)?.Number,
                JsonTokenType.Number when reader.TryGetInt32(out var number) => number,
                _ => null,
            },
            FieldType.Message when field.MessageType.FullName == Timestamp.Descriptor.FullName =>
                token == JsonTokenType.String ? ReadTimestamp(reader.GetString()!) : null,
            FieldType.Message when field.MessageType.File.Package != "google.protobuf" && token == JsonTokenType.StartObject =>
                ReadNested(ref reader, field.MessageType),
            _ => null,
        };
    }

    private static IMessage? ReadNested(ref Utf8JsonReader reader, MessageDescriptor type)
    {
        var nested = (IMessage)Activator.CreateInstance(type.ClrType)!;
        return ReadMessage(ref reader, nested) ? nested : null;
    }

    /// <summary><c>YYYY-MM-DDTHH:MM:SS[.1 to 9 digits]Z</c>, as JsonFormatter writes it; any other form is left to JsonParser.</summary>
    private static Timestamp? ReadTimestamp(string text)
    {
        if (text.Length < 20 || text[^1] != 'Z'
            || !DateTime.TryParseExact(text.AsSpan(0, 19), "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var seconds))
        {
            return null;
        }

        var fraction = text.AsSpan(19, text.Length - 20);
        var nanos = 0;
        if (fraction.Length > 0)
        {
            if (fraction.Length is < 2 or > 10 || fraction[0] != '.' || !int.TryParse(fraction[1..], NumberStyles.None, CultureInfo.InvariantCulture, out var digits))
            {
                return null;
            }

            nanos = digits * (int)Math.Pow(10, 10 - fraction.Length);
        }

        return new Timestamp { Seconds = (seconds - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerSecond, Nanos = nanos };
    }

    /// <summary>A message's fields by JSON name and by proto name (JsonParser accepts both).</summary>
    private static Dictionary<string, FieldDescriptor> FieldsByName(MessageDescriptor descriptor)
    {
        var fields = new Dictionary<string, FieldDescriptor>(StringComparer.Ordinal);
        foreach (var field in descriptor.Fields.InDeclarationOrder())
        {
            fields[field.JsonName] = field;
            fields[field.Name] = field;
        }

        return fields;
    }
}

using System.Collections.Frozen;
using System.Globalization;
using Google.Protobuf.Reflection;
using ServiceAnalytics.Contracts.Ingest.V1;
using ServiceAnalytics.Contracts.Query.V1;

namespace ServiceAnalytics.Server;

/// <summary>
/// How enum values are stored and queried: the proto value name without its enum prefix, in lower case
/// (<c>MESSAGE_KIND_FAQ_CARD</c> is <c>faq_card</c>, <c>CHAT_TYPE_RESPONDED_24H</c> is <c>responded_24h</c>).
/// BI tools read these strings; the metric SQL compares with them.
/// </summary>
internal static class ProtoEnums
{
    private static readonly FrozenDictionary<(Type, int), string> s_codes = Build(
        FactsReflection.Descriptor.EnumTypes.Concat(AnalyticsServiceReflection.Descriptor.EnumTypes));

    private static readonly FrozenDictionary<(Type, string), int> s_values =
        s_codes.ToFrozenDictionary(p => (p.Key.Item1, p.Value), p => p.Key.Item2);

    /// <summary>True when <paramref name="value"/> is a known value other than the UNSPECIFIED zero.</summary>
    public static bool IsSpecified<TEnum>(TEnum value)
        where TEnum : struct, Enum => s_codes.ContainsKey((typeof(TEnum), Convert.ToInt32(value, CultureInfo.InvariantCulture)));

    /// <summary>The stored code of a specified value.</summary>
    public static string Code<TEnum>(TEnum value)
        where TEnum : struct, Enum => s_codes[(typeof(TEnum), Convert.ToInt32(value, CultureInfo.InvariantCulture))];

    /// <summary>The value a stored code stands for.</summary>
    public static TEnum FromCode<TEnum>(string code)
        where TEnum : struct, Enum => (TEnum)Enum.ToObject(typeof(TEnum), s_values[(typeof(TEnum), code)]);

    private static FrozenDictionary<(Type, int), string> Build(IEnumerable<EnumDescriptor> enums)
    {
        var codes = new Dictionary<(Type, int), string>();
        foreach (var descriptor in enums)
        {
            var prefix = string.Concat(descriptor.Name.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant() + "_";
            foreach (var value in descriptor.Values.Where(v => v.Number != 0))
            {
                codes[(descriptor.ClrType, value.Number)] = value.Name[prefix.Length..].ToLowerInvariant();
            }
        }

        return codes.ToFrozenDictionary();
    }
}

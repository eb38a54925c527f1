using System.Collections.Frozen;
using ServiceAnalytics.Contracts.Ingest.V1;

namespace ServiceAnalytics.Server.Ingestion;

/// <summary>
/// How enum values are stored: the proto value name without its enum prefix, in lower case
/// (<c>MESSAGE_KIND_FAQ_CARD</c> is stored as <c>faq_card</c>). BI tools read these strings.
/// </summary>
internal static class ProtoEnums
{
    private static readonly FrozenDictionary<(Type, int), string> s_codes = Build(
        typeof(EntryPoint), typeof(ChatInitiator), typeof(SenderRole), typeof(MessageKind), typeof(ResolvedBy), typeof(OrderCancellationKind));

    /// <summary>True when <paramref name="value"/> is a known value other than the UNSPECIFIED zero.</summary>
    public static bool IsSpecified<TEnum>(TEnum value)
        where TEnum : struct, Enum => s_codes.ContainsKey((typeof(TEnum), Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>The stored code of a specified value.</summary>
    public static string Code<TEnum>(TEnum value)
        where TEnum : struct, Enum => s_codes[(typeof(TEnum), Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture))];

    private static FrozenDictionary<(Type, int), string> Build(params Type[] enumTypes)
    {
        var codes = new Dictionary<(Type, int), string>();
        foreach (var type in enumTypes)
        {
            var descriptor = FactsReflection.Descriptor.EnumTypes.Single(e => e.Name == type.Name);
            var prefix = string.Concat(descriptor.Name.Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant() + "_";
            foreach (var value in descriptor.Values.Where(v => v.Number != 0))
            {
                codes[(type, value.Number)] = value.Name[prefix.Length..].ToLowerInvariant();
            }
        }

        return codes.ToFrozenDictionary();
    }
}

using System.Text.Json.Serialization;

namespace ServiceAnalytics.Tests.Infrastructure;

/// <summary>
/// A query result as JSON for comparing two ways of computing it (rollups against the live path, the service against
/// a reference): doubles to 9 significant digits, since a mean summed in another order may differ in its last bits.
/// </summary>
internal static class CanonicalJson
{
    private static readonly JsonSerializerOptions s_options = new() { Converters = { new RoundedDouble() } };

    public static string Of(object? value) => JsonSerializer.Serialize(value, s_options);

    private sealed class RoundedDouble : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString("G9", CultureInfo.InvariantCulture));
    }
}

using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Rpc;
using Microsoft.AspNetCore.Grpc.JsonTranscoding;
using ServiceAnalytics.Server.Services;

namespace ServiceAnalytics.Server.Hosting;

/// <summary>
/// Checks an HTTP/JSON request's shape against its RPC's request message before JSON transcoding reads it: every
/// query parameter and top-level body field must be a field of the message, with a value of its type. Transcoding
/// alone names no field in its errors and ignores unknown ones; this refuses them with 400 and a
/// <c>google.rpc.BadRequest</c> naming the field, as the services' own checks do. Only the shape is checked (the
/// contract is public, see the OpenAPI document); what the values mean is the service's to check, after the caller
/// is authorized.
/// </summary>
internal static class HttpRequestChecks
{
    public static WebApplication UseHttpRequestChecks(this WebApplication app)
    {
        app.Use(async (context, next) =>
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<GrpcJsonTranscodingMetadata>() is not { } route)
            {
                await next(context);
                return;
            }

            var input = route.MethodDescriptor.InputType;
            var violation = CheckQuery(context.Request, input) ?? (route.HttpRule.Body == "*" ? await CheckBodyAsync(context.Request, input) : null);
            if (violation is null)
            {
                await next(context);
                return;
            }

            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            context.Response.ContentType = "application/json; charset=utf-8";
            await context.Response.WriteAsync(s_errors.Format(GrpcErrors.InvalidArgumentStatus(violation.Field, violation.Description)));
        });
        return app;
    }

    private static readonly JsonFormatter s_errors = new(JsonFormatter.Settings.Default.WithTypeRegistry(GrpcErrors.DetailTypes));

    private static BadRequest.Types.FieldViolation? CheckQuery(Microsoft.AspNetCore.Http.HttpRequest request, MessageDescriptor input)
    {
        foreach (var (name, values) in request.Query)
        {
            if (Field(input, name) is not { } field || request.RouteValues.ContainsKey(field.Name))
            {
                return Violation(name, $"is not a query parameter of this route (parameters are the fields of {input.Name})");
            }

            if (!field.IsRepeated && values.Count > 1)
            {
                return Violation(name, "is given more than once but takes one value");
            }

            foreach (var value in values)
            {
                if (!Parses(field, value ?? ""))
                {
                    return Violation(name, $"'{value}' is not {Expected(field)}");
                }
            }
        }

        return null;
    }

    private static async Task<BadRequest.Types.FieldViolation?> CheckBodyAsync(Microsoft.AspNetCore.Http.HttpRequest request, MessageDescriptor input)
    {
        // Transcoding reads the body again after this.
        request.EnableBuffering();
        try
        {
            using var document = await JsonDocument.ParseAsync(request.Body, cancellationToken: request.HttpContext.RequestAborted);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Violation("body", $"must be a JSON object ({input.Name})");
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (Field(input, property.Name) is not { } field)
                {
                    return Violation(property.Name, $"is not a field of {input.Name}");
                }

                if (!Fits(field, property.Value))
                {
                    return Violation(property.Name, $"must be {Expected(field)}");
                }
            }

            return null;
        }
        catch (JsonException error)
        {
            return Violation("body", $"is not valid JSON: {error.Message}");
        }
        finally
        {
            request.Body.Position = 0;
        }
    }

    /// <summary>The field a parameter names: its proto name (<c>first_day</c>) or JSON name (<c>firstDay</c>).</summary>
    private static FieldDescriptor? Field(MessageDescriptor input, string name) =>
        input.FindFieldByName(name) ?? input.Fields.InDeclarationOrder().FirstOrDefault(f => f.JsonName == name);

    private static bool Parses(FieldDescriptor field, string value) => field.FieldType switch
    {
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
        FieldType.UInt32 or FieldType.Fixed32 => uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _),
        FieldType.UInt64 or FieldType.Fixed64 => ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out _),
        FieldType.Bool => value is "true" or "false",
        FieldType.Enum => field.EnumType.FindValueByName(value) is not null
            || (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && field.EnumType.FindValueByNumber(number) is not null),
        FieldType.String => true,
        // Messages, bytes and floating point are not query parameters of any route.
        _ => false,
    };

    private static bool Fits(FieldDescriptor field, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (field.IsRepeated && !field.IsMap)
        {
            return value.ValueKind == JsonValueKind.Array && value.EnumerateArray().All(item => FitsOne(field, item));
        }

        return FitsOne(field, value);
    }

    private static bool FitsOne(FieldDescriptor field, JsonElement value) => field.FieldType switch
    {
        FieldType.String or FieldType.Bytes => value.ValueKind == JsonValueKind.String,
        FieldType.Bool => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        FieldType.Enum => value.ValueKind == JsonValueKind.Number
            || (value.ValueKind == JsonValueKind.String && Parses(field, value.GetString()!)),
        FieldType.Message or FieldType.Group => value.ValueKind is JsonValueKind.Object or JsonValueKind.String,
        // Numbers: JSON numbers, or strings holding one (proto3 JSON writes 64-bit integers as strings).
        _ => value.ValueKind == JsonValueKind.Number || (value.ValueKind == JsonValueKind.String && Parses(field, value.GetString()!)),
    };

    private static string Expected(FieldDescriptor field) => (field.IsRepeated ? "a list of " : "") + field.FieldType switch
    {
        FieldType.Enum => $"{field.EnumType.Name} values ({string.Join(", ", field.EnumType.Values.Where(v => v.Number != 0).Select(v => v.Name))})",
        FieldType.Bool => "true or false",
        FieldType.String => "text",
        FieldType.Message => "objects",
        _ => "whole numbers",
    };

    private static BadRequest.Types.FieldViolation Violation(string field, string description) => new() { Field = field, Description = description };
}

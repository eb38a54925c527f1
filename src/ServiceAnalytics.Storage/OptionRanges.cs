using System.Globalization;
using Microsoft.Extensions.Options;

namespace ServiceAnalytics.Storage;

/// <summary>
/// The failures of one options validator (<see cref="IValidateOptions{TOptions}"/>), each naming the setting as it is
/// configured (<c>Section:Key</c>) and what it allows, so a service with a bad setting refuses to start with a
/// message that says which one and how to fix it.
/// </summary>
public sealed class OptionRanges(string section)
{
    private readonly List<string> _failures = [];

    /// <summary>Requires <paramref name="value"/> in <paramref name="minimum"/> to <paramref name="maximum"/>.</summary>
    public OptionRanges Int(string key, int value, int minimum, int maximum) =>
        Check(value >= minimum && value <= maximum, key, string.Create(CultureInfo.InvariantCulture, $"must be {minimum} to {maximum}, got {value}"));

    /// <summary>Requires <paramref name="value"/> in <paramref name="minimum"/> to <paramref name="maximum"/>.</summary>
    public OptionRanges Duration(string key, TimeSpan value, TimeSpan minimum, TimeSpan maximum) =>
        Check(value >= minimum && value <= maximum, key, string.Create(CultureInfo.InvariantCulture, $"must be {minimum:c} to {maximum:c}, got {value:c}"));

    /// <summary>Records <paramref name="rule"/> as broken for <paramref name="key"/> unless <paramref name="holds"/>.</summary>
    public OptionRanges Check(bool holds, string key, string rule)
    {
        if (!holds)
        {
            _failures.Add($"{section}:{key} {rule}.");
        }

        return this;
    }

    /// <summary>Success, or every failure found.</summary>
    public ValidateOptionsResult Result() => _failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);
}

/// <summary>
/// An options validator that checks its section's settings with <see cref="OptionRanges"/>: a subclass says only
/// which ranges hold (<see cref="Check"/>).
/// </summary>
public abstract class RangeValidator<TOptions>(string section) : IValidateOptions<TOptions>
    where TOptions : class
{
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ranges = new OptionRanges(section);
        Check(ranges, options);
        return ranges.Result();
    }

    /// <summary>Records every range <paramref name="options"/> break in <paramref name="ranges"/>.</summary>
    protected abstract void Check(OptionRanges ranges, TOptions options);
}

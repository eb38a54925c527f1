using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ServiceAnalytics.Storage;

/// <summary>How every options section is registered: bound from its configuration section and checked when the service starts.</summary>
public static class ValidatedOptions
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to <paramref name="section"/> and has <typeparamref name="TValidator"/> check
    /// it at start-up (<c>ValidateOnStart</c>), so a bad setting stops the start naming itself. Further validators of
    /// the same options are added as <see cref="IValidateOptions{TOptions}"/> singletons next to it.
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, IConfiguration section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.AddSingleton<IValidateOptions<TOptions>, TValidator>();
        return services.AddOptions<TOptions>().Bind(section).ValidateOnStart();
    }
}

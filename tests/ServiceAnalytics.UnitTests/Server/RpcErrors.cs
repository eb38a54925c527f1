using Google.Rpc;
using Grpc.Core;

namespace ServiceAnalytics.UnitTests.Server;

/// <summary>Reads what a refused request tells its caller: the status, and the field its <c>BadRequest</c> names.</summary>
internal static class RpcErrors
{
    /// <summary>Runs <paramref name="check"/>, which must refuse with INVALID_ARGUMENT; returns the field named and why.</summary>
    public static (string Field, string Reason) InvalidArgument(Action check)
    {
        var error = Assert.Throws<RpcException>(check);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        var violation = Assert.Single(Assert.Single(error.GetRpcStatus()!.Details).Unpack<BadRequest>().FieldViolations);
        Assert.Equal($"{violation.Field}: {violation.Description}", error.Status.Detail);
        return (violation.Field, violation.Description);
    }
}

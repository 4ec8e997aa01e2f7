namespace EdgeGateway.Hub.Storage;

/// <summary>Registers the hub's storage: the writer of InfluxDB points. Readers (history, trends) build their own
/// <see cref="InfluxQlClient"/> from the same <see cref="InfluxSettings"/>, and register nothing here.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="IPointWriter"/> singleton for the InfluxDB <paramref name="influx"/> names. The settings are
    /// read from the options of the area that binds them (ingest's <c>Hub:Influx</c>), so storage imports no other area.
    /// </summary>
    public static IServiceCollection AddStorageServices(this IServiceCollection services, Func<IServiceProvider, InfluxSettings> influx)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(influx);
        services.AddSingleton<IPointWriter>(sp => CreateWriter(influx(sp)));
        return services;
    }

    internal static IPointWriter CreateWriter(InfluxSettings influx) => influx.Api switch
    {
        InfluxApi.V1 => new InfluxV1PointWriter(influx.Url, influx.Database, influx.RetentionPolicy, influx.Username, influx.ResolvePassword(), influx.Timeout),
        _ => new InfluxV2PointWriter(influx.Url, influx.Database, influx.Org, influx.ResolveToken(), influx.Timeout),
    };
}

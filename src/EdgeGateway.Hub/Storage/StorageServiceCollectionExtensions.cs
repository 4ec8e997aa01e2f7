namespace EdgeGateway.Hub.Storage;

/// <summary>Registers the hub's storage: the writer of InfluxDB points and the HTTP clients of InfluxDB. Readers
/// (history, trends) build their own <see cref="InfluxQlClient"/> from the same <see cref="InfluxSettings"/> and a
/// client of <see cref="AddInfluxHttpClients"/>.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="IPointWriter"/> singleton for the InfluxDB <paramref name="influx"/> names, and
    /// <see cref="AddInfluxHttpClients"/>. The settings are read from the options of the area that binds them (ingest's
    /// <c>Hub:Influx</c>), so storage imports no other area.
    /// </summary>
    public static IServiceCollection AddStorageServices(this IServiceCollection services, Func<IServiceProvider, InfluxSettings> influx)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(influx);
        services.AddInfluxHttpClients();
        services.AddSingleton<IPointWriter>(sp => CreateWriter(influx(sp), sp.GetRequiredService<IHttpClientFactory>()));
        return services;
    }

    /// <summary>
    /// The named HTTP clients <see cref="InfluxQlClient.HttpClientName"/> and <see cref="InfluxV1PointWriter.HttpClientName"/>
    /// (each sets its own base address, timeout and credentials from its settings). Adding them again (ingest and the
    /// console both do) changes nothing.
    /// </summary>
    /// <remarks>
    /// No resilience handler (retry, circuit breaker, timeout) is added, on purpose: ingest's pipeline owns retry and
    /// back-off of writes (a failed batch is retried whole, with its own back-off, and nothing is acknowledged meanwhile),
    /// and a console query that fails is reported as it is ("InfluxDB is not reachable"). Retries underneath would
    /// multiply the attempts and stretch the one timeout each request has. No request is logged either, as before the
    /// factory: a write every batch and a query per chart would fill the log, and a query's URI holds the query.
    /// </remarks>
    public static IServiceCollection AddInfluxHttpClients(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddHttpClient(InfluxQlClient.HttpClientName).RemoveAllLoggers();
        services.AddHttpClient(InfluxV1PointWriter.HttpClientName).RemoveAllLoggers();
        return services;
    }

    internal static IPointWriter CreateWriter(InfluxSettings influx, IHttpClientFactory httpClients) => influx.Api switch
    {
        InfluxApi.V1 => new InfluxV1PointWriter(
            httpClients.CreateClient(InfluxV1PointWriter.HttpClientName),
            influx.Url, influx.Database, influx.RetentionPolicy, influx.Username, influx.ResolvePassword(), influx.Timeout),
        _ => new InfluxV2PointWriter(influx.Url, influx.Database, influx.Org, influx.ResolveToken(), influx.Timeout),
    };
}

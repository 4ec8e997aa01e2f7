using EdgeGateway.CommandLine;

// Commands: run, check-config, relays-off, bench (see README.md). Each area adds its own services.
return await GatewayCommandLine.Build().Parse(args).InvokeAsync();

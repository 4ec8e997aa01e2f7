using EdgeGateway.Hub.CommandLine;

// Commands: run (see README.md). Each area adds its own services in Hosting/HubHost.
return await HubCommandLine.Build().Parse(args).InvokeAsync();

return await EdgeGateway.FleetSim.FleetCommandLine.Build().Parse(args).InvokeAsync();

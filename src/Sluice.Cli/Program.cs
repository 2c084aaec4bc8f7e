using Sluice.Cli;

return SluiceCommand.Run(args, Console.Out, Console.Error, Console.OpenStandardInput);

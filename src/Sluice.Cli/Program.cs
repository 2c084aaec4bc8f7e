using Sluice.Cli;
using Sluice.Core.Config;

return SluiceCommand.Run(args, Console.Out, Console.Error, Console.OpenStandardInput, SluicePaths.FromEnvironment());

import Foundation
import RouterCommands

exit(CausalRouterCLI.run(Array(CommandLine.arguments.dropFirst())))

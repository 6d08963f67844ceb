/**
 * Process settings for the command-line tools that run the program under mocks (plan, policy-check).
 * The Pulumi SDK records a stack trace for every promise it creates; with tsx's source maps on, formatting those
 * traces dominated a run (production plan: 3.6 s before, about 2.1 s after). These tools print error messages,
 * not stacks, so they turn source-mapped traces off and keep traces short.
 */
export function tuneForCli(): void {
  process.setSourceMapsEnabled(false);
  Error.stackTraceLimit = 3;
}

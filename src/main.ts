#!/usr/bin/env node
// The composition root: builds the CLI, and on demand the engine (for trace,
// record, probes, doctor and the shell), the recorder-backed capture store and
// the TUI, and owns the process's signals, crash handling and exit. Nothing
// imports this file.
//
// Start-up is part of the product (a responder times launch -> first event):
// everything here loads with import() on the path that needs it, with literal
// specifiers so a bundler can still follow them.

// Source maps are read for every module loaded once enabled; only a debug
// run shows a stack trace, so only a debug run pays for them.
if (process.env.EBPFSH_DEBUG) process.setSourceMapsEnabled(true);

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Same text as commander's --version, without loading commander or anything else.
  const { VERSION_LINE } = await import('./text/version.js');
  process.stdout.write(`${VERSION_LINE}\n`);
} else {
  const [{ runCli }, { reportAndExit }, { installSignals }] = await Promise.all([
    import('./commands/cli/index.js'),
    import('./commands/errors.js'),
    import('./commands/signals.js'),
  ]);
  const signals = installSignals((e) => reportAndExit(e));
  let newEngine: ((opts?: import('./engine/index.js').EngineOptions) => import('./engine/index.js').Engine) | undefined;
  // The engine (and through it the addon) loads only for the commands that trace.
  const engineFactory = async () => {
    if (!newEngine) {
      const { Engine } = await import('./engine/index.js');
      newEngine = (opts) => new Engine(opts);
    }
    return newEngine;
  };

  await runCli(process.argv, {
    signals,
    engineFactory,
    // The TUI (React, ink, blessed) loads only when one of these runs.
    async runShell(opts) {
      // The store (SQLite) loads on use too: trace and probes start faster without it.
      const [{ recorderCaptureFactory }, { runShell }, { Engine }] = await Promise.all([
        import('./session/capture-sink.js'),
        import('./tui/shell/run-shell.js'),
        import('./engine/index.js'),
      ]);
      // The shell keeps a detached probe loaded (unattached), so attaching it again only attaches.
      return runShell({ ...opts, signals, newEngine: () => new Engine({ keepSpares: true }), captureFactory: recorderCaptureFactory });
    },
    async runReplay(path) {
      const { runReplay } = await import('./tui/replay/run-replay.js');
      return runReplay(path, signals);
    },
    async runDashboard(path) {
      const { runDashboardOnCapture } = await import('./tui/dashboard/run-dashboard.js');
      return runDashboardOnCapture(path, signals);
    },
  });
}

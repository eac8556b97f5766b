#!/usr/bin/env node
// The composition root: builds the CLI, and on demand the engine (for trace,
// record, probes and the shell), the recorder-backed capture store and the
// TUI, and owns the process's signals, crash handling and exit. Nothing
// imports this file.
import { runCli } from './commands/cli/index.js';
import { reportAndExit } from './commands/errors.js';
import { installSignals } from './commands/signals.js';
import { Engine } from './engine/index.js';

const signals = installSignals((e) => reportAndExit(e));

const newEngine = () => new Engine();

await runCli(process.argv, {
  signals,
  newEngine,
  // The TUI (React, ink, blessed) loads only when one of these runs.
  async runShell(opts) {
    // The store (SQLite) loads on use too: trace and probes start faster without it.
    const { recorderCaptureFactory } = await import('./session/capture-sink.js');
    const { runShell } = await import('./tui/shell/run-shell.js');
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

import { attachCommand } from './attach.js';
import { detachCommand } from './detach.js';
import { filterCommand } from './filter.js';
import { helpCommand } from './help.js';
import { probesCommand } from './probes.js';
import { treeCommand } from './tree.js';
import { dashCommand } from './dash.js';
import { markCommand, queryCommand, recordCommand, stopCommand } from './capture-commands.js';
import { clearCommand, noiseCommand, pauseCommand, quitCommand, resumeCommand } from './view-commands.js';
import { livePsCommand } from './replay-commands.js';
import { setCommand } from './set.js';
import type { ShellCommand } from './types.js';

/** Every `:command`, in the order `:help` lists them. */
export const SHELL_COMMANDS: readonly ShellCommand[] = [
  attachCommand,
  detachCommand,
  probesCommand,
  filterCommand,
  noiseCommand,
  treeCommand,
  livePsCommand,
  pauseCommand,
  resumeCommand,
  clearCommand,
  recordCommand,
  stopCommand,
  markCommand,
  queryCommand,
  dashCommand,
  setCommand,
  helpCommand,
  quitCommand,
];

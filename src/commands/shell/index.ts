export * from './types.js';
export * from './registry.js';
export * from './run-line.js';
export * from './completion.js';
export * from './view-filter.js';
export * from './format.js';
export { findCommand, QUIT_CONFIRM_MS } from './help.js';
export { cgroupText, cwdText, lifetimeText, processContext, processLine } from './tree.js';
export { tableLines } from './capture-commands.js';

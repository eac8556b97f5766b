export * from './session.js';
export * from './errors.js';
export * from './clock.js';
export * from './preflight.js';
export type { Backend, NativeSession, LoadOptions, ReaderStats, ReaderOptions } from './native.js';
export { exitWithoutTerminal } from './native.js';

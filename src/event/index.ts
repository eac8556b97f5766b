export * from './types.js';
export * from './bytes.js';
export * from './layout.js';
export * from './decode.js';
export * from './filters.js';
export * from './path-match.js';
export * from './event-source.js';

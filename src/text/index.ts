export * from './escape.js';
export * from './errno.js';
export * from './net.js';
export * from './capture-cell.js';
export * from './did-you-mean.js';
export * from './time-zone.js';
export * from './user-names.js';

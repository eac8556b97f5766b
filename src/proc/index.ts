export * from './stat.js';
export * from './parents.js';
export * from './scan.js';
export * from './exe.js';
export * from './users.js';

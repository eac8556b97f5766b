export * from './stat.js';
export * from './parents.js';
export * from './scan.js';
export * from './exe.js';
export * from './users.js';
export * from './cwd.js';
export * from './cgroup.js';
export * from './listeners.js';

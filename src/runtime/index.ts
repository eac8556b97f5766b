export * from './program-files.js';

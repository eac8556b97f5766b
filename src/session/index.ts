export * from './process-table.js';

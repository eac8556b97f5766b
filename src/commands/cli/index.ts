export { buildProgram, runCli, type CliDeps } from './cli.js';

export { buildDocumentedProgram, buildProgram, runCli, type CliDeps } from './cli.js';
export { manPage } from './man-page.js';

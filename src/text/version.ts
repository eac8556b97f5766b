import { readFileSync } from 'node:fs';

/** Tool version from package.json (low in the layers: the CLI, the capture metadata and the TUI all name it). */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

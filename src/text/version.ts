import { buildInfo } from '../runtime/index.js';

const info = buildInfo();

/** Tool version from package.json (low in the layers: the CLI, the capture metadata and the TUI all name it). */
export const VERSION: string = info.version;

/** What `ebpfsh --version` prints: the version, the commit and the build date. */
export const VERSION_LINE = `ebpfsh ${info.version} (commit ${info.commit}, built ${info.date})`;

#!/usr/bin/env node
// Writes build/man/ebpfsh.1 from the built CLI's own --help text (dist/
// must be built first): `node scripts/gen-man.mjs [OUT]`. The build runs it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(process.argv[2] ?? `${root}/build/man/ebpfsh.1`);
const { buildDocumentedProgram } = await import(`${root}/dist/commands/cli/cli.js`);
const { manPage } = await import(`${root}/dist/commands/cli/man-page.js`);
const { VERSION } = await import(`${root}/dist/text/version.js`);
// The program is only read for its help: nothing it would run is needed.
const unused = () => {
  throw new Error('gen-man runs no command');
};
const program = await buildDocumentedProgram({ signals: {}, engineFactory: unused, runShell: unused, runReplay: unused, runDashboard: unused });
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, manPage(program, VERSION));

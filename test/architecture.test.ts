import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../src/probes/index.js';

// The layering rules of ARCHITECTURE.md ("Layers and who may import whom"),
// read from the real import graph of src/.

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/** Layers a layer may import besides itself. event, text and proc are the foundation: every layer above them may use them. */
const FOUNDATION = ['runtime', 'event', 'text', 'proc'];
const MAY_IMPORT: Record<string, string[]> = {
  // Where the program's own files are (a checkout, or inside the single-file release): below everything.
  runtime: [],
  event: ['runtime'],
  text: ['runtime', 'event'],
  proc: ['runtime', 'event', 'text'],
  probes: FOUNDATION,
  engine: ['probes', ...FOUNDATION],
  store: ['probes', ...FOUNDATION],
  session: ['engine', 'store', 'probes', ...FOUNDATION],
  fleet: ['store', 'probes', ...FOUNDATION],
  commands: ['fleet', 'session', 'engine', 'store', 'probes', ...FOUNDATION],
  tui: ['commands', 'session', 'engine', 'store', 'probes', ...FOUNDATION],
  main: ['tui', 'commands', 'fleet', 'session', 'engine', 'store', 'probes', ...FOUNDATION],
};

/**
 * Imports that break a rule today, each with the issue-11 item that removes
 * it. The test fails on any violation not listed here, and on any entry that
 * no longer happens: this list can only shrink.
 */
const KNOWN: Record<string, string> = {
};

/** The layer of a file under src/ ('main' for src/main.ts). */
function layerOf(rel: string): string {
  const first = rel.split('/')[0]!;
  return /^main\.(ts|tsx|js)$/.test(first) ? 'main' : first;
}

/** Every .ts/.tsx file under `dir`, relative to src/. */
function sources(dir = SRC): string[] {
  const out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, d.name);
    if (d.isDirectory()) out.push(...sources(p));
    else if (/\.tsx?$/.test(d.name) && !d.name.endsWith('.d.ts')) out.push(relative(SRC, p));
  }
  return out;
}

/** What one source file imports and which strings it holds. */
interface Scan {
  specifiers: string[];
  strings: string[];
}

/** Import/export-from specifiers (static and dynamic) and every other string literal's text. */
export function scanSource(name: string, text: string): Scan {
  const sf = ts.createSourceFile(name, text, ts.ScriptTarget.ES2022, true, name.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const specifiers: string[] = [];
  const strings: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      specifiers.push(n.moduleSpecifier.text);
      return;
    }
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteralLike(n.arguments[0])) {
      specifiers.push(n.arguments[0].text);
      return;
    }
    if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateHead(n) || ts.isTemplateMiddle(n) || ts.isTemplateTail(n)) strings.push(n.text);
    n.forEachChild(visit);
  };
  visit(sf);
  return { specifiers, strings };
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/**
 * A probe named in a string: a string that is a probe's name (a key a
 * switch would test), or holds a distinctive name (`…snoop`, tcpconnect) as
 * a word. Names that are ordinary words (rename, bind, listen, setuid) may
 * appear in prose; aliases and tables are ordinary words everywhere.
 */
const PROBE_KEYS = new Set(PROBES.map((p) => p.name));
const DISTINCT_NAME = new RegExp(`\\b(${PROBES.map((p) => p.name).filter((n) => /snoop$|^tcp/.test(n)).map(escapeRe).join('|')})\\b`);
const PROBE_NAME = { exec: (s: string) => (PROBE_KEYS.has(s.trim()) ? [s] : DISTINCT_NAME.exec(s)) };
/** A probe's table named in SQL (aliases and table names are ordinary words elsewhere: exec, open, exit, proc). */
const PROBE_TABLE_SQL = new RegExp(`\\b(FROM|JOIN|INTO|UPDATE|TABLE)\\s+["\`]?(${PROBES.map((p) => escapeRe(p.table)).join('|')})\\b`, 'i');

/** Every rule the file at `rel` (relative to src/) breaks, as `file -> layer`, `file loads src/`, `file names a probe: ...`. */
export function violationsOf(rel: string, text: string): string[] {
  const from = layerOf(rel);
  const allowed = MAY_IMPORT[from];
  const out: string[] = [];
  if (!allowed) return [`${rel}: in no layer of ARCHITECTURE.md`];
  const scan = scanSource(rel, text);
  for (const spec of scan.specifiers) {
    if (!spec.startsWith('.')) continue;
    const target = relative(SRC, resolve(dirname(join(SRC, rel)), spec));
    if (target.startsWith('..')) {
      out.push(`${rel} imports outside src/ (${spec})`);
      continue;
    }
    const to = layerOf(target);
    if (to === 'main') out.push(`${rel} -> main`);
    else if (to !== from && !allowed.includes(to)) out.push(`${rel} -> ${to}`);
  }
  // Signals, crash handling and exit have one owner: src/main.ts, through commands/signals.ts (the Signals it hands down).
  if (rel !== 'commands/signals.ts' && /process\.(on|once|prependListener)\(\s*['"`](SIG[A-Z]+|uncaughtException|unhandledRejection|exit)\b/.test(text))
    out.push(`${rel} handles process signals`);
  // The composition root builds the live engine and hands it down (newEngine): nothing else constructs one.
  if (from !== 'main' && from !== 'engine' && /\bnew Engine\(/.test(text)) out.push(`${rel} builds an Engine`);
  for (const s of scan.strings) {
    if (from !== 'engine' && (/\.node$/.test(s) || /native\/build/.test(s))) out.push(`${rel} loads the addon`);
    if (/^(\.\.\/)+src\//.test(s)) out.push(`${rel} loads src/`);
    // The generated skeleton is the BPF objects' own facts (program and map names), below the probes by design.
    if (from !== 'probes' && !rel.startsWith('event/generated/')) {
      const name = PROBE_NAME.exec(s) ?? PROBE_TABLE_SQL.exec(s);
      if (name) out.push(`${rel} names a probe: ${JSON.stringify(s.length > 60 ? s.slice(0, 60) + '…' : s)}`);
    }
  }
  return [...new Set(out)];
}

describe('the layering of src/ (ARCHITECTURE.md)', () => {
  const all = sources().flatMap((rel) => violationsOf(rel, readFileSync(join(SRC, rel), 'utf8')));

  it('no import points up the layer table, nothing loads the addon but the engine, dist/ never loads src/, nothing outside src/probes/ names a probe, only main.ts (through commands/signals.ts) handles signals and builds the engine', () => {
    expect(all.filter((v) => !(v in KNOWN))).toEqual([]);
  });

  it('the list of known violations only shrinks: each entry still happens', () => {
    expect(Object.keys(KNOWN).filter((k) => !all.includes(k))).toEqual([]);
  });

  it('finds each kind of violation', () => {
    expect(violationsOf('probes/x.ts', "import { Engine } from '../engine/index.js';")).toEqual(['probes/x.ts -> engine']);
    expect(violationsOf('engine/x.ts', "export * from '../main.js';")).toEqual(['engine/x.ts -> main']);
    expect(violationsOf('text/x.ts', "const m = await import('../tui/a.js');")).toEqual(['text/x.ts -> tui']);
    expect(violationsOf('store/x.ts', "const a = require('../../native/build/Release/ebpfsh.node');")).toEqual(['store/x.ts loads the addon']);
    expect(violationsOf('store/x.ts', "const w = new URL('../../src/store/w.cjs', import.meta.url);")).toEqual(['store/x.ts loads src/']);
    expect(violationsOf('tui/x.ts', "if (e.probe === 'opensnoop') f();")).toEqual(['tui/x.ts names a probe: "opensnoop"']);
    expect(violationsOf('commands/x.ts', 'const q = `SELECT ts FROM connect WHERE pid = ${pid}`;')).toHaveLength(1);
    expect(violationsOf('tui/x.ts', "process.on('SIGTERM', () => quit());")).toEqual(['tui/x.ts handles process signals']);
    expect(violationsOf('commands/x.ts', "process.once('uncaughtException', crash);")).toEqual(['commands/x.ts handles process signals']);
    expect(violationsOf('tui/x.ts', 'const engine = new Engine();')).toEqual(['tui/x.ts builds an Engine']);
    expect(violationsOf('probes/x/spec.ts', "export const x = { name: 'opensnoop' };")).toEqual([]);
    expect(violationsOf('tui/x.ts', "import { PROBES } from '../probes/index.js'; import { Engine } from '../engine/index.js';")).toEqual([]);
  });
});

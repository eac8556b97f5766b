import blessed from 'blessed';
import contrib from 'blessed-contrib';
import { wallTime } from '../../engine/index.js';
import { escapeTerminal, userLabel } from '../../text/index.js';
import type { DashboardSnapshot, ProcessGrouping } from './dashboard-model.js';
import { barLines, fit, tableLines } from './panel-text.js';

/** Smallest terminal the layout fits in. */
export const MIN_COLS = 100;
export const MIN_ROWS = 30;

const COLORS = ['yellow', 'cyan', 'green', 'magenta', 'blue', 'white'];

/** Options of the full-screen dashboard. */
export interface DashboardViewOptions {
  /** Title line, e.g. `live` or the capture's path and replay clock. */
  title: string;
  /** wall ns = event ns + clockOffsetNs (the engine's or the capture's). */
  clockOffsetNs: number;
  /** Called when the user leaves (q or Esc); the view has already released the terminal. */
  onExit: () => void;
  /** Called on `p` (cycle the probe the top charts show). */
  onCycleFocus?: () => void;
  /** Called on `g` (top processes: grouped by command and parent, or per pid). */
  onToggleGrouping?: () => void;
  /** Where to draw (tests and tmux use the process's tty). */
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

/** Escapes text for a blessed widget with tags on (the data is already terminal-escaped). */
function tagSafe(s: string): string {
  return blessed.escape(s);
}

/** The first of `titles` that fits `width` columns (else the last), safe for tags. */
function fitTitle(titles: string[], width: number): string {
  return tagSafe(titles.find((t) => [...t].length <= width) ?? titles.at(-1)!);
}

/** The top-processes panel's title: how it ranks and the key that switches it; the probe key too when `width` has room. */
export function processesTitle(grouping: ProcessGrouping, focus: string, width: number): string {
  const f = escapeTerminal(focus);
  const [how, other] = grouping === 'parent' ? ['by cmd+parent', 'per pid'] : ['per pid', 'by cmd+parent'];
  return fitTitle(
    [
      ` top processes [${f}] ${how} (g: ${other}, p: probe) `,
      ` processes [${f}] ${how} (g: ${other}, p: probe) `,
      ` processes [${f}] ${how} (g: ${other}) `,
      ` [${f}] ${how} (g: ${other}) `,
      ` [${f}] ${how} (g) `,
    ],
    width,
  );
}

/** A probe name as shown: from a capture's journal or losses it is any text, so escaped (for the terminal, then for tags). */
function probeLabel(p: string): string {
  return tagSafe(escapeTerminal(p));
}


/**
 * The blessed-contrib full-screen dashboard. It owns the terminal from
 * construction until destroy(): raw mode, alternate screen and input are
 * given back exactly once, whichever way it ends.
 */
export class DashboardView {
  private readonly screen: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  private widgets: Record<string, any> = {}; // eslint-disable-line @typescript-eslint/no-explicit-any
  private tooSmall: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  private destroyed = false;
  private last: DashboardSnapshot | undefined;

  constructor(private readonly opts: DashboardViewOptions) {
    this.screen = blessed.screen({
      smartCSR: true,
      title: 'ebpfsh dashboard',
      input: opts.input,
      output: opts.output,
      autoPadding: true,
      warnings: false,
    });
    this.screen.key(['q', 'escape', 'C-c'], () => this.exit());
    this.screen.key(['p'], () => opts.onCycleFocus?.());
    this.screen.key(['g'], () => opts.onToggleGrouping?.());
    this.screen.on('resize', () => this.layout());
    this.layout();
  }

  private clock(ns: number): string {
    const d = wallTime({ offsetNs: this.opts.clockOffsetNs }, ns);
    return Number.isNaN(d.getTime()) ? '--:--:--' : d.toISOString().slice(11, 19);
  }

  /** Draws a snapshot. */
  render(s: DashboardSnapshot): void {
    if (this.destroyed) return;
    this.last = s;
    if (this.tooSmall) {
      this.screen.render();
      return;
    }
    const w = this.widgets;
    const probes = Object.keys(s.rates).sort();
    const n = s.rates[probes[0] ?? '']?.length ?? 0;
    const ago = (i: number) => ((n - i) * s.bucketNs) / 1e9;
    const label = (sec: number) => (sec >= 120 ? `${Math.round(sec / 60)}m` : sec >= 10 ? `${Math.round(sec)}s` : `${sec.toFixed(1)}s`);
    const xs = Array.from({ length: n }, (_, i) => (i % 20 === 0 ? `-${label(ago(i))}` : ' '));
    const series = probes.map((p, i) => ({ title: probeLabel(p), x: xs, y: s.rates[p]!, style: { line: COLORS[i % COLORS.length] } }));
    for (const p of Object.keys(s.losses).sort()) {
      if (s.losses[p]!.some((n) => n > 0)) series.push({ title: `lost ${probeLabel(p)}`, x: xs, y: s.losses[p]!, style: { line: 'red' } });
    }
    const bucket = s.bucketNs !== 1e9 ? `, ${s.bucketNs >= 1e9 ? `${(s.bucketNs / 1e9).toFixed(0)} s` : `${(s.bucketNs / 1e6).toFixed(0)} ms`} buckets` : '';
    w.rate.setLabel(` events/s per probe (${escapeTerminal(this.opts.title)}, ${this.clock(s.nowNs)}${bucket}) `);
    if (series.length) w.rate.setData(series);

    const inner = (widget: any) => Math.max(10, (widget.width as number) - 3); // eslint-disable-line @typescript-eslint/no-explicit-any
    w.procs.setLabel(processesTitle(s.grouping, s.focus, (w.procs.width as number) - 4)); // a label starts after the corner and one line, and ends before another and the corner
    // a group's label names a command and its parent: let it take most of the panel
    w.procs.setContent(barLines(s.topProcesses.slice(0, 8), inner(w.procs), tagSafe, Math.floor(inner(w.procs) * 0.65)).join('\n'));
    const f = escapeTerminal(s.focus);
    w.users.setLabel(fitTitle([` top users [${f}] `, ` users [${f}] `, ' users '], (w.users.width as number) - 4));
    w.users.setContent(barLines(s.topUsers.slice(0, 8), inner(w.users), tagSafe).join('\n'));
    const pathW = Math.max(10, inner(w.files) - 14);
    w.files.setContent(
      tableLines(
        ['opens', 'fail', 'path'],
        s.topFiles.map((f) => [String(f.opens), f.failures ? { text: String(f.failures), color: 'red' } : '0', f.failures ? { text: f.path, color: 'red' } : f.path]),
        [6, 6, pathW],
        tagSafe,
      ).join('\n'),
    );
    const destW = Math.max(12, inner(w.connects) - 9 - 19 - 13 - 3);
    w.connects.setContent(
      tableLines(
        ['time', 'process', 'destination', 'outcome'],
        s.recentConnects.map((c) => [this.clock(c.ts), `${c.comm}(${c.pid})`, `${c.dest}:${c.port}`, c.outcome === 'ok' ? 'ok' : { text: c.outcome, color: 'red' }]),
        [8, 18, destW, 13],
        tagSafe,
      ).join('\n'),
    );
    const counts = s.securityCounts.map(([l, n]) => `${l} ${n}`).join(' · ');
    w.security.setLabel(` security events${counts ? `: ${tagSafe(escapeTerminal(counts))}` : ''} `);
    w.security.setContent(
      s.recentSecurity.length
        ? tableLines(
            ['time', 'what', 'process', 'user', 'event'],
            s.recentSecurity.map((r) => [this.clock(r.ts), { text: r.label, color: 'red' }, `${r.comm}(${r.pid})`, userLabel(r.uid), r.text]),
            [8, 14, 22, 14, Math.max(10, inner(w.security) - 8 - 14 - 22 - 14 - 4)],
            tagSafe,
          ).join('\n')
        : 'none yet: setuid bits, privilege changes, ptrace, bpf loads, mounts,\nlog and history deletions, listeners and reverse shells show here',
    );
    w.dests.setContent(tableLines(['count', 'destination'], s.topDestinations.map(([d, n]) => [String(n), d]), [7, Math.max(10, inner(w.dests) - 8)], tagSafe).join('\n'));
    w.probes.setLabel(` probes: events, lost ${s.lossPercent ? s.lossPercent.toFixed(2) : '0'}%, coverage (█ attached) `);
    w.probes.setContent(this.probeLines(s, inner(w.probes), Math.max(1, (w.probes.height as number) - 2)).join('\n'));
    this.screen.render();
  }

  /**
   * One line per probe: name, events, losses (red) and its coverage bar over
   * the window; in two columns when the probes outnumber the lines.
   */
  private probeLines(s: DashboardSnapshot, width: number, height: number): string[] {
    const names = [...new Set([...Object.keys(s.totals), ...Object.keys(s.coverage)])].sort();
    if (!names.length) return ['no probe attached in this window'];
    const columns = names.length > height ? 2 : 1;
    const colW = Math.floor((width - (columns - 1) * 2) / columns);
    const barW = Math.max(4, colW - 11 - 8 - 9);
    const cell = (p: string) => {
      const t = s.totals[p] ?? { events: 0, lost: 0 };
      const row = s.coverage[p] ?? [];
      let bar = '';
      // each column covers its share of the window, the newest seconds included
      for (let i = 0; i < barW; i++) bar += row.slice(Math.floor((i * row.length) / barW), Math.floor(((i + 1) * row.length) / barW)).some(Boolean) ? '█' : '-';
      const lost = t.lost ? `{red-fg}${fit(`${t.lost}L`, 7, true)}{/red-fg}` : fit('0L', 7, true);
      return `${probeLabel(fit(p, 10))} ${fit(String(t.events), 7, true)} ${lost} ${bar}`;
    };
    const rows = Math.ceil(names.length / columns);
    return Array.from({ length: rows }, (_, r) =>
      Array.from({ length: columns }, (_, c) => names[c * rows + r])
        .filter((p): p is string => p !== undefined)
        .map(cell)
        .join('  '),
    );
  }

  /** Leaves the dashboard and gives the terminal back. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.screen.destroy();
  }

  private exit(): void {
    this.destroy();
    this.opts.onExit();
  }

  private layout(): void {
    for (const w of Object.values(this.widgets)) this.screen.remove(w);
    if (this.tooSmall) this.screen.remove(this.tooSmall);
    this.widgets = {};
    this.tooSmall = undefined;
    const cols = this.screen.width as number;
    const rows = this.screen.height as number;
    if (cols < MIN_COLS || rows < MIN_ROWS) {
      this.tooSmall = blessed.box({
        parent: this.screen,
        top: 'center',
        left: 'center',
        width: '90%',
        height: 5,
        border: 'line',
        content: `terminal too small for the dashboard: ${cols}x${rows}, need at least ${MIN_COLS}x${MIN_ROWS}\nenlarge the window, or press q to go back`,
      });
      this.screen.render();
      return;
    }
    const grid = new contrib.grid({ rows: 12, cols: 12, screen: this.screen });
    this.widgets.rate = grid.set(0, 0, 4, 6, contrib.line, { label: ' events/s ', showLegend: true, legend: { width: 18 }, wholeNumbersOnly: true });
    const box = (label: string) => ({ label, tags: true, wrap: false });
    this.widgets.probes = grid.set(0, 6, 4, 6, blessed.box, box(' probes '));
    // top processes is the widest of the three (its title names the ranking and its keys, its labels a command and its
    // parent) once the users panel has room for name(uid), a bar and a count
    const [procW, userW] = cols >= 140 ? [5, 2] : [4, 3];
    this.widgets.procs = grid.set(4, 0, 3, procW, blessed.box, box(' top processes '));
    this.widgets.users = grid.set(4, procW, 3, userW, blessed.box, box(' top users '));
    this.widgets.files = grid.set(4, procW + userW, 3, 12 - procW - userW, blessed.box, box(' files: top paths (failures red) '));
    this.widgets.security = grid.set(7, 0, 5, 7, blessed.box, box(' security events '));
    this.widgets.connects = grid.set(7, 7, 3, 5, blessed.box, box(' recent outbound connections '));
    this.widgets.dests = grid.set(10, 7, 2, 5, blessed.box, box(' top destinations '));
    if (this.last) this.render(this.last);
    else this.screen.render();
  }
}

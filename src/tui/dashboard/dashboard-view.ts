import blessed from 'blessed';
import contrib from 'blessed-contrib';
import { wallTime } from '../../engine/index.js';
import { escapeTerminal } from '../../text/index.js';
import type { DashboardSnapshot } from './dashboard-model.js';
import { barLines, tableLines } from './panel-text.js';

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
  /** Where to draw (tests and tmux use the process's tty). */
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

/** Escapes text for a blessed widget with tags on (the data is already terminal-escaped). */
function tagSafe(s: string): string {
  return blessed.escape(s);
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

    w.gauge.setLabel(` lost ${s.lossPercent.toFixed(2)}% `);
    w.gauge.setPercent(Math.min(100, Math.round(s.lossPercent * 100) / 100));
    w.totals.setContent(
      Object.entries(s.totals)
        .sort()
        .map(([p, t]) => `${probeLabel(p).padEnd(11)} ${String(t.events).padStart(9)} ev  ${t.lost ? `{red-fg}${t.lost} lost{/red-fg}` : '0 lost'}`)
        .join('\n'),
    );

    const inner = (widget: any) => Math.max(10, (widget.width as number) - 3); // eslint-disable-line @typescript-eslint/no-explicit-any
    w.procs.setLabel(` top processes [${escapeTerminal(s.focus)}] (p: switch) `);
    w.procs.setContent(barLines(s.topProcesses.slice(0, 8), inner(w.procs), tagSafe).join('\n'));
    w.users.setLabel(` top users (uid) [${escapeTerminal(s.focus)}] `);
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
    const destW = Math.max(12, inner(w.connects) - 9 - 16 - 8 - 6 - 13 - 5);
    w.connects.setContent(
      tableLines(
        ['time', 'comm', 'pid', 'destination', 'port', 'outcome'],
        s.recentConnects.map((c) => [this.clock(c.ts), c.comm, String(c.pid), c.dest, String(c.port), c.outcome === 'ok' ? 'ok' : { text: c.outcome, color: 'red' }]),
        [8, 16, 8, destW, 6, 13],
        tagSafe,
      ).join('\n'),
    );
    w.dests.setContent(tableLines(['count', 'destination'], s.topDestinations.map(([d, n]) => [String(n), d]), [7, Math.max(10, inner(w.dests) - 8)], tagSafe).join('\n'));
    const width = Math.max(10, (w.coverage.width as number) - 14);
    w.coverage.setContent(
      Object.entries(s.coverage)
        .sort()
        .map(([p, row]) => {
          const step = row.length / width;
          let bar = '';
          for (let i = 0; i < width; i++) bar += row[Math.floor(i * step)] ? '█' : '-';
          return `${escapeTerminal(p).padEnd(11)} ${bar}`;
        })
        .join('\n') || 'no probe attached in this window',
    );
    this.screen.render();
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
    this.widgets.rate = grid.set(0, 0, 4, 9, contrib.line, { label: ' events/s ', showLegend: true, legend: { width: 18 }, wholeNumbersOnly: true });
    this.widgets.gauge = grid.set(0, 9, 2, 3, contrib.gauge, { label: ' lost ', stroke: 'red', fill: 'white' });
    this.widgets.totals = grid.set(2, 9, 2, 3, blessed.box, { label: ' totals ', tags: true });
    const box = (label: string) => ({ label, tags: true, wrap: false });
    this.widgets.procs = grid.set(4, 0, 3, 4, blessed.box, box(' top processes '));
    this.widgets.users = grid.set(4, 4, 3, 3, blessed.box, box(' top users '));
    this.widgets.files = grid.set(4, 7, 3, 5, blessed.box, box(' files: top paths (failures red) '));
    this.widgets.connects = grid.set(7, 0, 3, 8, blessed.box, box(' recent outbound connections '));
    this.widgets.dests = grid.set(7, 8, 3, 4, blessed.box, box(' top destinations '));
    this.widgets.coverage = grid.set(10, 0, 2, 12, blessed.box, { label: ' coverage (█ attached) ', tags: false });
    if (this.last) this.render(this.last);
    else this.screen.render();
  }
}

import blessed from 'blessed';
import contrib from 'blessed-contrib';
import type { DashboardSnapshot } from './dashboard-model.js';

/** Smallest terminal the layout fits in. */
export const MIN_COLS = 100;
export const MIN_ROWS = 30;

const COLORS = ['yellow', 'cyan', 'green', 'magenta', 'blue', 'white'];

/** Options of the full-screen dashboard. */
export interface DashboardViewOptions {
  /** Title line, e.g. `live` or the capture's path and replay clock. */
  title: string;
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

function clock(ns: number): string {
  return new Date(Math.floor(ns / 1e6)).toISOString().slice(11, 19);
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
    const xs = Array.from({ length: s.rates[probes[0] ?? '']?.length ?? 0 }, (_, i) => (i % 20 === 0 ? `-${(s.rates[probes[0]!]!.length - i)}s` : ' '));
    const series = probes.map((p, i) => ({ title: p, x: xs, y: s.rates[p]!, style: { line: COLORS[i % COLORS.length] } }));
    for (const p of Object.keys(s.losses).sort()) {
      if (s.losses[p]!.some((n) => n > 0)) series.push({ title: `lost ${p}`, x: xs, y: s.losses[p]!, style: { line: 'red' } });
    }
    w.rate.setLabel(` events/s per probe (${this.opts.title}, ${clock(s.nowNs)}) `);
    if (series.length) w.rate.setData(series);

    w.gauge.setLabel(` lost ${s.lossPercent.toFixed(2)}% `);
    w.gauge.setPercent(Math.min(100, Math.round(s.lossPercent * 100) / 100));
    w.totals.setContent(
      Object.entries(s.totals)
        .sort()
        .map(([p, t]) => `${p.padEnd(11)} ${String(t.events).padStart(9)} ev  ${t.lost ? `{red-fg}${t.lost} lost{/red-fg}` : '0 lost'}`)
        .join('\n'),
    );

    const bars = (widget: any, label: string, top: [string, number][]) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      widget.setLabel(` ${label} [${s.focus}] (p: switch) `);
      widget.setData({ titles: top.map(([k]) => k.slice(0, 12)), data: top.map(([, n]) => n) });
    };
    bars(w.procs, 'top processes', s.topProcesses.slice(0, 6));
    bars(w.users, 'top users (uid)', s.topUsers.slice(0, 4));

    w.files.setData({
      headers: ['opens', 'fail', 'path'],
      data: s.topFiles.map((f) => [String(f.opens), f.failures ? `{red-fg}${f.failures}{/red-fg}` : '0', tagSafe(f.path)]),
    });
    w.connects.setData({
      headers: ['time', 'comm', 'pid', 'destination', 'port', 'outcome'],
      data: s.recentConnects.map((c) => [
        clock(c.ts),
        tagSafe(c.comm),
        String(c.pid),
        tagSafe(c.dest),
        String(c.port),
        c.outcome === 'ok' ? 'ok' : `{red-fg}${tagSafe(c.outcome)}{/red-fg}`,
      ]),
    });
    w.dests.setData({ headers: ['count', 'destination'], data: s.topDestinations.map(([d, n]) => [String(n), tagSafe(d)]) });
    const width = Math.max(10, (w.coverage.width as number) - 14);
    w.coverage.setContent(
      Object.entries(s.coverage)
        .sort()
        .map(([p, row]) => {
          const step = row.length / width;
          let bar = '';
          for (let i = 0; i < width; i++) bar += row[Math.floor(i * step)] ? '█' : '·';
          return `${p.padEnd(11)} ${bar}`;
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
    this.widgets.procs = grid.set(4, 0, 3, 4, contrib.bar, { label: ' top processes ', barWidth: 12, barSpacing: 2, xOffset: 0, });
    this.widgets.users = grid.set(4, 4, 3, 3, contrib.bar, { label: ' top users ', barWidth: 8, barSpacing: 2, xOffset: 0, });
    const filesW = Math.max(20, Math.floor((cols * 5) / 12) - 18);
    this.widgets.files = grid.set(4, 7, 3, 5, contrib.table, { label: ' files: top paths (failures red) ', keys: false, interactive: false, columnSpacing: 1, columnWidth: [6, 5, filesW], tags: true });
    this.widgets.connects = grid.set(7, 0, 3, 8, contrib.table, { label: ' recent outbound connections ', keys: false, interactive: false, columnSpacing: 2, columnWidth: [9, 16, 8, 26, 6, 13] });
    this.widgets.dests = grid.set(7, 8, 3, 4, contrib.table, { label: ' top destinations ', keys: false, interactive: false, columnSpacing: 2, columnWidth: [6, 30] });
    this.widgets.coverage = grid.set(10, 0, 2, 12, blessed.box, { label: ' coverage (█ attached) ', tags: false });
    if (this.last) this.render(this.last);
    else this.screen.render();
  }
}

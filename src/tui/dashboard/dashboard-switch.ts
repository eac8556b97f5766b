import { writeTerminal, ALT_SCREEN_OFF } from '../terminal.js';
import type { DashboardModel } from './dashboard-model.js';
import { DashboardView } from './dashboard-view.js';

/** What the dashboard shows and how it stays current. */
export interface DashboardFeed {
  /** The model to draw (may be replaced, e.g. after a replay seek). */
  model(): DashboardModel;
  /** Folds in what changed (losses, coverage, the clock) before a frame. */
  tick(): void;
  /** The dashboard opens / closes (e.g. start or stop ranking every event). */
  opened?(): void;
  closed?(): void;
}

/** The ink app the dashboard takes the terminal from. */
export interface InkHost {
  unmount(): void;
  mount(): void;
  /** True while the app is shutting down (do not remount then). */
  closing(): boolean;
  /** A transcript line once back. */
  say(text: string): void;
}

/**
 * Hands the whole terminal from ink to the blessed dashboard, and back on q or
 * Esc exactly where the app was: one owner of raw mode and input at a time.
 * Returns the view, so shutdown can destroy it (it restores the terminal).
 */
export function openDashboard(host: InkHost, feed: DashboardFeed, opts: { title: string; clockOffsetNs: number }): DashboardView {
  host.unmount();
  if (process.stdin.isTTY) process.stdin.setRawMode(false);
  writeTerminal(ALT_SCREEN_OFF);
  feed.opened?.();
  feed.tick();
  const draw = () => {
    feed.tick();
    view.render(feed.model().snapshot());
  };
  const view: DashboardView = new DashboardView({
    title: opts.title,
    clockOffsetNs: opts.clockOffsetNs,
    onExit: () => {
      clearInterval(timer);
      feed.closed?.();
      if (host.closing()) return;
      host.mount();
      host.say('back from the dashboard');
    },
    onCycleFocus: () => {
      feed.model().cycleFocus();
      view.render(feed.model().snapshot());
    },
    onToggleGrouping: () => {
      feed.model().toggleGrouping();
      view.render(feed.model().snapshot());
    },
  });
  const timer = setInterval(draw, 1000);
  view.render(feed.model().snapshot());
  return view;
}

/** The parts of an ink app `:dash` needs. */
export interface DashboardWiring {
  /** The shell model: its onDashboard hook is set, and the return is said in its transcript. */
  model: { onDashboard: (() => void) | null; say(text: string, tone: 'info'): void };
  /** Unmounts the app's ink instance. */
  unmount(): void;
  /** Mounts the app's ink instance again. */
  mount(): void;
  closing(): boolean;
  feed: DashboardFeed;
  title: string;
  clockOffsetNs: number;
}

/**
 * Makes `:dash` switch the app to the dashboard (out of ink's input
 * dispatch) and back. Returns destroy(), for shutdown while it is up.
 */
export function wireDashboard(w: DashboardWiring): { destroy(): void } {
  let view: DashboardView | undefined;
  w.model.onDashboard = () =>
    setImmediate(() => {
      if (view || w.closing()) return;
      const host: InkHost = {
        unmount: w.unmount,
        mount: () => {
          view = undefined;
          w.mount();
        },
        closing: w.closing,
        say: (text) => w.model.say(text, 'info'),
      };
      view = openDashboard(host, w.feed, { title: w.title, clockOffsetNs: w.clockOffsetNs });
    });
  return { destroy: () => view?.destroy() };
}

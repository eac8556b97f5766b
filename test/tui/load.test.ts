import { describe, expect, it } from 'vitest';
import { ShellModel } from '../../src/tui/shell/shell-model.js';
import { FakeEngine, openEvent } from './fake-engine.js';

describe('the view under an event flood', () => {
  it('reaches the screen at most ~30 times a second whatever the event rate', async () => {
    const engine = new FakeEngine();
    const model = new ShellModel({ engine, historyFile: null });
    let updates = 0;
    model.subscribe(() => updates++);
    const batch = Array.from({ length: 1000 }, (_, i) => openEvent({ pid: i, path: `/f${i}` }));
    const started = Date.now();
    // ~1000 batches of 1000 events in a second: 1M events/s offered.
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        engine.emit(batch);
        if (Date.now() - started >= 1000) {
          clearInterval(t);
          resolve();
        }
      }, 1);
    });
    const seconds = (Date.now() - started) / 1000;
    expect(updates / seconds).toBeLessThanOrEqual(31);
    expect(updates).toBeGreaterThan(10);
    model.dispose();
  });

  it('keeps a bounded window of events however many arrive', () => {
    const engine = new FakeEngine();
    const model = new ShellModel({ engine, historyFile: null, windowSize: 5000 });
    const batch = Array.from({ length: 10_000 }, (_, i) => openEvent({ pid: i % 100, path: `/f${i}` }));
    for (let i = 0; i < 50; i++) {
      engine.emit(batch);
      if (i % 5 === 0) model.flush();
    }
    model.flush();
    expect(model.window.rows().length).toBe(5000);
    // Batches waiting while the view was behind were skipped, not stacked up.
    expect(model.window.total).toBeLessThan(500_000);
    model.dispose();
  });

  it('keeps the rare matches of a view filter while a storm of others passes', () => {
    const engine = new FakeEngine();
    const model = new ShellModel({ engine, historyFile: null, windowSize: 100 });
    model.ctx.view.setFilter({ text: 'comm=curl', filters: { clauses: [] }, match: (e) => e.comm === 'curl' });
    engine.emit([openEvent({ pid: 1, comm: 'curl', path: '/rare' })]);
    model.flush();
    for (let i = 0; i < 20; i++) {
      engine.emit(Array.from({ length: 100 }, (_, j) => openEvent({ pid: j, path: `/noise${j}` })));
      model.flush();
    }
    expect(model.window.rows().length).toBe(1);
    expect(model.window.rows().at(0)!.event.fields.path).toBe('/rare');
    model.dispose();
  });
});

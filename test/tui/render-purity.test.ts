import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { ShellModel } from '../../src/tui/shell/shell-model.js';
import { FakeEngine, execEvent } from './fake-engine.js';
import { renderShell, settle } from './render-shell.js';

const key = (k: Partial<Key>): Key => k as Key;

/** A model holding 100 events, scrolled up (follow off) with a 3-row page. */
function scrolledModel() {
  const engine = new FakeEngine();
  const model = new ShellModel({ engine, historyFile: null, procRoot: '/nonexistent-proc', flushMs: 5 });
  engine.emit(Array.from({ length: 100 }, (_, i) => execEvent({ pid: 1000 + i })));
  model.flush();
  model.setPageRows(3);
  for (let i = 0; i < 50; i++) model.input('', key({ upArrow: true }));
  return model;
}

describe('a render reads the shell model, never changes it', () => {
  it('asking for the rows of another pane height does not move the view (viewport reads only)', () => {
    const model = scrolledModel();
    const before = model.viewport(3);
    const version = model.getVersion();
    model.viewport(1);
    model.viewport(40);
    expect(model.viewport(3)).toEqual(before);
    expect(model.getVersion()).toBe(version);
    expect(before.rows.map((r) => r.seq)).toContain(before.selectedSeq);
  });

  it('the page height reaches the model after the render, and paging uses it', async () => {
    const { model, engine, type } = renderShell({ rows: 24 });
    engine.emit(Array.from({ length: 100 }, (_, i) => execEvent({ pid: 1000 + i })));
    await settle(40);
    // 24 rows less the chrome (5) is the pane; its header leaves 18 rows of events.
    expect(model.pageRows).toBe(18);
    await type('\x1b[5~'); // PgUp
    const vp = model.viewport(model.pageRows);
    // A page up from following selects 17 rows above the newest (row 83 of 0-99), shown as the page's last row.
    expect(vp.first + vp.rows.findIndex((r) => r.seq === vp.selectedSeq)).toBe(83);
    expect(vp.first).toBe(83 - 18 + 1);
  });
});

import { describe, expect, it } from 'vitest';
import { EventWindow } from '../../../src/tui/shell/event-window.js';
import { openEvent } from '../fake-engine.js';

const isLib = (e: { fields: Record<string, unknown> }) => String(e.fields.path).startsWith('/lib/');
const shown = (w: EventWindow) => Array.from({ length: w.rows().length }, (_, i) => String(w.rows().at(i)!.event.fields.path));

describe('the event window folds noise from the view and counts it', () => {
  it('counts the folded events in memory when the fold is set and every one arriving after, even past its capacity', () => {
    const w = new EventWindow(4);
    w.push([openEvent({ pid: 1, path: '/lib/a.so' }), openEvent({ pid: 1, path: '/tmp/x' })]);
    w.setFold(isLib);
    expect(w.folded).toBe(1);
    w.push([...Array.from({ length: 10 }, () => openEvent({ pid: 1, path: '/lib/b.so' })), openEvent({ pid: 1, path: '/tmp/y' })]);
    expect(w.folded).toBe(11);
    expect(shown(w)).toEqual(['/tmp/x', '/tmp/y']);
    expect(w.allRows().length).toBe(4);
  });

  it('a view filter set or cleared under a fold does not count the fold twice', () => {
    const w = new EventWindow(10);
    w.setFold(isLib);
    w.push([openEvent({ pid: 1, path: '/lib/a.so' }), openEvent({ pid: 1, comm: 'curl', path: '/tmp/x' })]);
    w.setFilter((e) => e.comm === 'curl');
    w.setFilter(null);
    expect(w.folded).toBe(1);
    expect(shown(w)).toEqual(['/tmp/x']);
    w.setFold(null);
    expect(w.folded).toBe(0);
    expect(shown(w)).toEqual(['/lib/a.so', '/tmp/x']);
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup } from 'ink-testing-library';
import { renderShell } from './render-shell.js';

afterEach(() => cleanup());

describe(':detach', () => {
  it('detaches a profile\'s probes in one engine call (one unload), and names each', async () => {
    const { command, engine, frame } = renderShell();
    await command('attach exec');
    await command('attach open');
    await command('attach connect');
    const many = vi.spyOn(engine, 'detachMany');
    await command('detach all');
    expect(many).toHaveBeenCalledTimes(1);
    expect(many.mock.calls[0]![0].map((p) => p.name)).toEqual(['execsnoop', 'opensnoop', 'tcpconnect']);
    expect(engine.attachments()).toEqual([]);
    expect(frame()).toContain('detached opensnoop\ndetached tcpconnect');
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { hostNames, parseNames } from '../../src/proc/index.js';
import { groupLabel, setHostNames, userLabel } from '../../src/text/index.js';

describe("uids shown by the traced host's names", () => {
  afterEach(() => setHostNames([]));

  it('reads passwd and group lines, skipping what is not an entry', () => {
    const text = 'root:x:0:0:root:/root:/bin/bash\n# comment\n+nis\ncloudsdk:x:1000:1000::/home/c:/bin/sh\nbad:x:notanumber:0\nshort\n';
    expect(parseNames(text, 'user')).toEqual([{ kind: 'user', num: 0, name: 'root' }, { kind: 'user', num: 1000, name: 'cloudsdk' }]);
    expect(hostNames('/nonexistent')).toEqual([]);
    expect(hostNames().some((n) => n.kind === 'user' && n.num === 0)).toBe(true);
  });

  it('name(uid) where the name is known, the number alone where not; uids and gids apart; names escaped', () => {
    setHostNames([{ kind: 'user', num: 1000, name: 'cloudsdk' }, { kind: 'user', num: 1000, name: 'second' }, { kind: 'group', num: 1000, name: 'staff' }, { kind: 'user', num: 1001, name: 'evil\u001b[2J' }]);
    expect(userLabel(1000)).toBe('cloudsdk(1000)');
    expect(groupLabel(1000)).toBe('staff(1000)');
    expect(userLabel(1002)).toBe('1002');
    expect(userLabel(1001)).not.toMatch(/\u001b/);
    expect(userLabel(1001)).toMatch(/^evil.*\(1001\)$/);
    expect(userLabel(null)).toBe('?');
  });
});

import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance } from '../../src/text/index.js';

const COMMANDS = ['attach', 'detach', 'probes', 'filter', 'pause', 'resume', 'clear', 'record', 'stop', 'mark', 'query', 'tree', 'ps', 'help', 'quit'];

describe('didYouMean', () => {
  it('suggests the command a typo of up to two edits meant', () => {
    expect(didYouMean('atach', COMMANDS)).toBe('attach');
    expect(didYouMean('attahc', COMMANDS)).toBe('attach');
    expect(didYouMean('filtre', COMMANDS)).toBe('filter');
    expect(didYouMean('qiut', COMMANDS)).toBe('quit');
    expect(didYouMean('recrod', COMMANDS)).toBe('record');
  });

  it('suggests what an abbreviation or a word with a tail starts', () => {
    expect(didYouMean('prob', COMMANDS)).toBe('probes');
    expect(didYouMean('attachments', COMMANDS)).toBe('attach');
  });

  it('prefers the nearest candidate, then the earlier one', () => {
    expect(didYouMean('detah', COMMANDS)).toBe('detach');
    expect(didYouMean('ab', ['ac', 'ad'])).toBe('ac');
    expect(didYouMean('exec', ['execsnoop', 'exe'])).toBe('exe');
  });

  it('is case-insensitive and returns the candidate as spelled', () => {
    expect(didYouMean('ATACH', COMMANDS)).toBe('attach');
    expect(didYouMean('dpot', ['dport', 'Sport'])).toBe('dport');
  });

  it('suggests nothing for a known word, an empty word, a far word, or a one-letter guess', () => {
    expect(didYouMean('attach', COMMANDS)).toBeUndefined();
    expect(didYouMean('', COMMANDS)).toBeUndefined();
    expect(didYouMean('zzzzzz', COMMANDS)).toBeUndefined();
    expect(didYouMean('x', COMMANDS)).toBeUndefined();
    expect(didYouMean('q', COMMANDS)).toBeUndefined();
    expect(didYouMean('anything', [])).toBeUndefined();
  });
});

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });

  it('stops past the limit with limit + 1', () => {
    expect(editDistance('kitten', 'sitting', 2)).toBe(3);
    expect(editDistance('a', 'abcdef', 2)).toBe(3);
    expect(editDistance('ab', 'ba', 2)).toBe(2);
  });
});

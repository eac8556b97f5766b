import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { PROBES } from '../../src/probes/index.js';

describe('docs/probes', () => {
  for (const p of PROBES) {
    it(`documents every field, filter key and attach point of ${p.name}`, () => {
      const path = new URL(`../../docs/probes/${p.name}.md`, import.meta.url);
      expect(existsSync(path), `docs/probes/${p.name}.md`).toBe(true);
      const doc = readFileSync(path, 'utf8');
      for (const f of p.fields) expect(doc, `field ${f.name}`).toContain(`\`${f.name}\``);
      for (const k of Object.keys(p.filterKeys)) expect(doc, `filter ${k}`).toContain(`\`${k}\``);
      for (const h of p.hooks) for (const c of h.choices) expect(doc, `attach ${c.attach}`).toContain(c.attach.split('/').slice(0, 2).join('/'));
    });
  }
});

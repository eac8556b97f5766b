// Text for the dashboard's panels: horizontal bar charts and tables whose
// cells are cut to width before any colour tag is added, so tags never break.

/** Pads or cuts to exactly `w` columns (code points). */
export function fit(s: string, w: number, right = false): string {
  const cps = [...s];
  if (cps.length > w) return cps.slice(0, Math.max(0, w - 1)).join('') + (w > 0 ? '…' : '');
  const pad = ' '.repeat(w - cps.length);
  return right ? pad + s : s + pad;
}

/** A cell: its text, and optionally a colour for the whole cell. */
export type Cell = string | { text: string; color: string };

/**
 * Table lines: a header, then rows; `escape` makes data safe for blessed tags
 * (applied after cutting, before colouring).
 */
export function tableLines(headers: string[], rows: Cell[][], widths: number[], escape: (s: string) => string): string[] {
  const line = (cells: Cell[]) =>
    cells
      .map((c, i) => {
        const text = typeof c === 'string' ? c : c.text;
        const cut = escape(fit(text, widths[i] ?? 10, i < widths.length - 1 && /^\d+$/.test(text)));
        return typeof c === 'string' ? cut : `{${c.color}-fg}${cut}{/${c.color}-fg}`;
      })
      .join(' ')
      .trimEnd();
  return [`{bold}${line(headers)}{/bold}`, ...rows.map(line)];
}

/** Horizontal bars: `label ████████ 123`, scaled to the largest value; labels cut at `maxLabel` columns. */
export function barLines(items: [string, number][], width: number, escape: (s: string) => string, maxLabel = 24): string[] {
  if (!items.length) return ['(no events)'];
  const max = Math.max(...items.map(([, n]) => n));
  const numW = String(max).length;
  // a narrow panel cuts labels before it hides the bar and the number
  const labelW = Math.min(maxLabel, Math.max(...items.map(([k]) => [...k].length)), Math.max(4, width - numW - 5));
  const barW = Math.max(1, width - labelW - numW - 2);
  return items.map(([k, n]) => `${escape(fit(k, labelW))} ${'█'.repeat(Math.max(1, Math.round((n / max) * barW))).padEnd(barW)} ${String(n).padStart(numW)}`);
}

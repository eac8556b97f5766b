import { textOf, type TraceEvent } from '../event/index.js';
import { facetsOf } from '../probes/index.js';

/** A value is offered only when it can be typed back as one plain word. */
function typeable(s: string): boolean {
  return s.length > 0 && s.length <= 256 && /^[\x21-\x7e]+$/.test(s) && !/["'\\,]/.test(s);
}

/**
 * The most recent distinct values of each filter key seen in events, for tab
 * completion. Bounded per key; recency order (newest last).
 */
export class SeenValues {
  private readonly values = new Map<string, Map<string, true>>();
  private readonly add = (key: string, value: string): void => this.addValue(key, value);

  constructor(private readonly perKey = 256) {}

  /** Notes the values of a batch of events. */
  note(events: readonly TraceEvent[]): void {
    for (const e of events) {
      this.add('uid', String(e.uid));
      this.add('pid', String(e.pid));
      this.add('comm', textOf(e.comm));
      facetsOf(e.probe)?.completionValues?.(e, this.add);
    }
  }

  /** Seen values of `key`, newest first. */
  of(key: string): string[] {
    const m = this.values.get(key === 'follow' ? 'pid' : key);
    return m ? [...m.keys()].reverse() : [];
  }

  private addValue(key: string, value: string): void {
    let m = this.values.get(key);
    if (!m) this.values.set(key, (m = new Map()));
    if (m.has(value)) {
      m.delete(value); // re-inserted below as the newest
    } else if (!typeable(value)) {
      return;
    } else if (m.size >= this.perKey) {
      m.delete(m.keys().next().value!);
    }
    m.set(value, true);
  }
}

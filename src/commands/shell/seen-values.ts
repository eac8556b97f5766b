import { textOf, type ByteString, type TraceEvent } from '../../probes/index.js';

/** Values a completion may offer for a filter key. */
const KEYS = ['uid', 'comm', 'pid', 'path', 'dport', 'daddr'] as const;

/** A value is offered only when it can be typed back as one plain word. */
function typeable(s: string): boolean {
  return s.length > 0 && s.length <= 256 && /^[\x21-\x7e]+$/.test(s) && !/["'\\,]/.test(s);
}

/**
 * The most recent distinct values of each filter key seen in events, for tab
 * completion. Bounded per key; recency order (newest last).
 */
export class SeenValues {
  private readonly values = new Map<string, Map<string, true>>(KEYS.map((k) => [k, new Map()]));

  constructor(private readonly perKey = 256) {}

  /** Notes the values of a batch of events. */
  note(events: readonly TraceEvent[]): void {
    for (const e of events) {
      this.add('uid', String(e.uid));
      this.add('pid', String(e.pid));
      this.add('comm', textOf(e.comm));
      const f = e.fields;
      if (e.probe === 'opensnoop') this.add('path', textOf(f.path as ByteString));
      else if (e.probe === 'execsnoop') this.add('path', textOf(f.filename as ByteString));
      else if (e.probe === 'tcpconnect') {
        this.add('dport', String(f.dport));
        this.add('daddr', String(f.daddr));
      }
    }
  }

  /** Seen values of `key`, newest first. */
  of(key: string): string[] {
    const m = this.values.get(key === 'follow' ? 'pid' : key);
    return m ? [...m.keys()].reverse() : [];
  }

  private add(key: string, value: string): void {
    const m = this.values.get(key)!;
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

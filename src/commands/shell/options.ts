import { UsageError } from '../errors.js';

/** Options a command takes, each with a value (`--since 5m`), flags without one (`--collect-binaries`), and its usage line for errors. */
export interface OptionSpec {
  usage: string;
  options: readonly string[];
  flags?: readonly string[];
}

/** Positional words and option values of a command line. */
export interface ParsedOptions {
  positional: string[];
  values: Map<string, string>;
}

/**
 * Splits tokens into positional words and `--name value` options. An unknown
 * option, one given twice or one without its value is an error naming the
 * usage: nothing is ignored silently.
 */
export function parseOptions(tokens: readonly string[], spec: OptionSpec): ParsedOptions {
  const positional: string[] = [];
  const values = new Map<string, string>();
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!t.startsWith('--')) {
      positional.push(t);
      continue;
    }
    const eq = t.indexOf('=');
    const name = eq > 0 ? t.slice(0, eq) : t;
    if (eq < 0 && spec.flags?.includes(name)) {
      if (values.has(name)) throw new UsageError(`${name} given twice (usage: ${spec.usage})`);
      values.set(name, 'true');
      continue;
    }
    if (!spec.options.includes(name)) throw new UsageError(`unknown option ${name.slice(0, 40)} (usage: ${spec.usage})`);
    if (values.has(name)) throw new UsageError(`${name} given twice (usage: ${spec.usage})`);
    const value = eq > 0 ? t.slice(eq + 1) : tokens[++i];
    if (value === undefined || value === '') throw new UsageError(`${name} needs a value (usage: ${spec.usage})`);
    values.set(name, value);
  }
  return { positional, values };
}

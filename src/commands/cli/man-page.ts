import type { Command, Help } from 'commander';

/**
 * Text as roff shows it literally: backslashes escaped, hyphens as minus
 * signs (so flags copy right), a break allowed after a slash (a/b/c lists
 * are long words), no control line at a line start.
 */
function roff(s: string): string {
  return s
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/\//g, '/\\:')
    .split('\n')
    .map((l) => (/^[.']/.test(l) ? `\\&${l}` : l))
    .join('\n');
}

/** `.TP` items: a bold term and its description. */
function items(rows: [term: string, description: string][]): string[] {
  return rows.flatMap(([term, desc]) => ['.TP', `\\fB${roff(term)}\\fR`, roff(desc)]);
}

/** The parts of `cmd`'s --help: description, arguments, options, each as commander's Help words them. */
function section(help: Help, cmd: Command): string[] {
  const out: string[] = [];
  const description = help.commandDescription(cmd);
  if (description) out.push(roff(description));
  const args = help.visibleArguments(cmd);
  if (args.length) out.push('.PP', 'Arguments:', '.RS', ...items(args.map((a) => [help.argumentTerm(a), help.argumentDescription(a)])), '.RE');
  const opts = help.visibleOptions(cmd);
  if (opts.length) out.push('.PP', 'Options:', '.RS', ...items(opts.map((o) => [help.optionTerm(o), help.optionDescription(o)])), '.RE');
  return out;
}

/**
 * The man page ebpfsh(1), made from the same commander program and Help
 * that print `--help` (the top level and every subcommand), so the two never
 * disagree: nothing in it is written by hand but the section layout.
 */
export function manPage(program: Command, version: string): string {
  const help = program.createHelp();
  const name = program.name();
  const commands = program.commands;
  const L: string[] = [
    `.\\" Generated from \`${name} --help\` by scripts/gen-man.mjs: do not edit, rebuild.`,
    `.TH ${name.toUpperCase()} 1 "" "${name} ${roff(version)}" "User Commands"`,
    // Left-adjusted, unhyphenated: help text has long unbreakable words (probe lists, flags).
    '.ad l',
    '.nh',
    '.SH NAME',
    `${name} \\- ${roff(help.commandDescription(program))}`,
    '.SH SYNOPSIS',
    `.B ${name}`,
    roff(help.commandUsage(program).replace(/^\S+\s*/, '')),
    ...commands.flatMap((c) => ['.br', `.B ${name} ${c.name()}`, roff(help.commandUsage(c).replace(/^\S+\s+\S+\s*/, ''))]),
    '.SH DESCRIPTION',
    roff(`Run without a command, ${name} starts the interactive shell. Each command below is also described by \`${name} COMMAND --help\`, from the same text.`),
    '.SH OPTIONS',
    ...items(help.visibleOptions(program).map((o) => [help.optionTerm(o), help.optionDescription(o)])),
    '.SH COMMANDS',
    ...commands.flatMap((c) => [`.SS "${roff(help.commandUsage(c))}"`, ...section(help, c)]),
    '.SH ENVIRONMENT',
    '.TP',
    '.B EBPFSH_DEBUG',
    'When set, errors also print their stack trace (with source maps).',
    '.SH SEE ALSO',
    roff(`${name} completion bash, ${name} completion zsh; bpftrace(8), bpftool(8)`),
  ];
  return L.join('\n') + '\n';
}

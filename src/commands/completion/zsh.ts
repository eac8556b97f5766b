import type { CommandModel, CompletionModel, OptionModel, WordKind } from './model.js';

/** Single-quoted for zsh. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Text safe inside an _arguments spec's [description] (brackets are its syntax). */
const plain = (s: string) => s.replace(/\s+/g, ' ').replace(/\[/g, '(').replace(/\]/g, ')');
/** Text safe as an _arguments :message: (colons are its syntax). */
const message = (s: string) => plain(s).replace(/:/g, '\\:');

/** The action of an _arguments spec for a word of this kind. */
function action(k: WordKind): string {
  switch (k.kind) {
    case 'probes': return '_ebpfsh_probes';
    case 'filters': return '_ebpfsh_filters';
    case 'capture': return '_files -g "*.db(-.)"';
    case 'file': return '_files';
    case 'dir': return '_files -/';
    case 'choices': return `(${k.choices.join(' ')})`;
    default: return ' ';
  }
}

function optionSpec(o: OptionModel): string {
  const value = o.value ? `:${message(o.flags.at(-1)!.replace(/^-+/, ''))}:${action(o.value)}` : '';
  const desc = `[${plain(o.description)}]${value}`;
  if (o.flags.length === 1) return sq(`${o.flags[0]}${desc}`);
  return `${sq(`(${o.flags.join(' ')})`)}{${o.flags.join(',')}}${sq(desc)}`;
}

function commandSpecs(c: CommandModel): string[] {
  const args = c.args.map((a, i) => sq(`${a.variadic ? '*' : i + 1}:${message(a.name)}:${action(a.value)}`));
  return [...c.options.map(optionSpec), ...args];
}

/** The zsh completion function for `model` (#compdef ebpfsh, _arguments specs per subcommand). */
export function zshScript(m: CompletionModel): string {
  const described = m.commands.map((c) => sq(`${c.name.replace(/:/g, '\\:')}:${c.description.replace(/\s+/g, ' ')}`));
  const cases = m.commands.map((c) => `\t\t${c.name}) _arguments -s ${commandSpecs(c).join(' \\\n\t\t\t')} ;;`);
  return `#compdef ebpfsh
# zsh completion for ebpfsh, made by \`ebpfsh completion zsh\` from its own --help
# and probe registry: make it again after an upgrade.
#   ebpfsh completion zsh > "\${fpath[1]}/_ebpfsh"   (then: compinit)

_ebpfsh_probes() {
	local -a probes
	probes=(${m.probes.map(sq).join(' ')})
	_values -s , 'probes or profiles' $probes
}

_ebpfsh_filters() {
	local -a keys
	keys=(${m.filterKeys.map(sq).join(' ')})
	compset -P '*=' && return 1 # a value: nothing is known about it
	compadd -S = -q -- $keys
	compadd -- ${m.filterFlags.map(sq).join(' ')}
}

_ebpfsh() {
	local curcontext=$curcontext state line
	local -a commands
	commands=(${described.join('\n\t\t')})
	_arguments -C ${m.top.options.map(optionSpec).join(' ')} '1: :->command' '*:: :->argument'
	case $state in
	command) _describe -t commands 'ebpfsh command' commands ;;
	argument)
		case $words[1] in
${cases.join('\n')}
		esac ;;
	esac
}

_ebpfsh "$@"
`;
}

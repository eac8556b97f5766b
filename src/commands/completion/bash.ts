import type { CommandModel, CompletionModel, WordKind } from './model.js';

/** Single-quoted for sh. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** `capture`, `choices 'ndjson' 'csv'`: a kind as the script's helper takes it. */
function kindWords(k: WordKind): string {
  return k.kind === 'choices' ? `choices ${k.choices.map(sq).join(' ')}` : k.kind;
}

function optionsCase(cmds: { key: string; c: CommandModel }[]): string {
  return cmds.map(({ key, c }) => `\t${sq(key)}) echo ${sq(c.options.flatMap((o) => o.flags).join(' '))} ;;`).join('\n');
}

function optionValueCase(cmds: { key: string; c: CommandModel }[]): string {
  const lines: string[] = [];
  for (const { key, c } of cmds)
    for (const o of c.options) if (o.value) lines.push(`\t${o.flags.map((f) => sq(`${key} ${f}`)).join('|')}) echo ${sq(kindWords(o.value))} ;;`);
  return lines.join('\n');
}

function probeKeysCase(m: CompletionModel): string {
  const byKeys = new Map<string, string[]>();
  for (const [name, keys] of Object.entries(m.probeKeys)) byKeys.set(keys.join(' '), [...(byKeys.get(keys.join(' ')) ?? []), name]);
  return [...byKeys].map(([keys, names]) => `\t${names.map(sq).join('|')}) echo ${sq(keys)} ;;`).join('\n');
}

function argumentCase(cmds: CommandModel[]): string {
  return cmds
    .filter((c) => c.args.length)
    .map((c) => {
      // An optional probe list (record's) may be left out, filters coming first.
      const arms = c.args.map((a, i) => `${a.variadic ? '*' : i}) echo ${sq(a.value.kind === 'probes' && !a.required ? 'optprobes' : kindWords(a.value))} ;;`);
      return `\t${sq(c.name)}) case $2 in ${arms.join(' ')} esac ;;`;
    })
    .join('\n');
}

/** The bash completion script for `model`: a function and `complete -F` for ebpfsh. */
export function bashScript(m: CompletionModel): string {
  const cmds = [{ key: '', c: m.top }, ...m.commands.map((c) => ({ key: c.name, c }))];
  return `# bash completion for ebpfsh, made by \`ebpfsh completion bash\` from its own --help
# and probe registry: make it again after an upgrade.
#   ebpfsh completion bash > /usr/local/share/bash-completion/completions/ebpfsh
#   or, for this shell only: source <(ebpfsh completion bash)

_ebpfsh_commands=${sq(m.commands.map((c) => c.name).join('\n'))}
_ebpfsh_probes=${sq(m.probes.join('\n'))}
_ebpfsh_common_keys=${sq(m.commonKeys.join(' '))}
_ebpfsh_all_keys=${sq(m.filterKeys.join(' '))}
_ebpfsh_flags=${sq(m.filterFlags.join(' '))}
_ebpfsh_default_probes=${sq(m.defaultProfile)}

# The filter keys a probe, alias or profile adds to the common ones.
_ebpfsh_probe_keys() {
	case $1 in
${probeKeysCase(m)}
	esac
}

# Filter words (key= and flags) for the probes named in $1 (comma-separated; every probe's when none is known).
_ebpfsh_filter_words() {
	local p keys='' IFS=$' \t\n'
	if [[ -z $1 ]]; then
		keys=$_ebpfsh_all_keys
	else
		keys=$_ebpfsh_common_keys
		for p in \${1//,/ }; do keys+=" $(_ebpfsh_probe_keys "$p")"; done
	fi
	for p in $keys; do printf '%s=\n' "$p"; done | sort -u
	printf '%s\n' $_ebpfsh_flags
}

# The options of command $1 ('' for ebpfsh itself).
_ebpfsh_options() {
	case $1 in
${optionsCase(cmds)}
	esac
}

# What the value of option $2 of command $1 completes to; nothing for an option without a value.
_ebpfsh_option_value() {
	case "$1 $2" in
${optionValueCase(cmds)}
	esac
}

# What positional argument number $2 (from 0) of command $1 completes to.
_ebpfsh_argument() {
	case $1 in
${argumentCase(m.commands)}
	esac
}

# Fills COMPREPLY for the word $1 of kind $2 (choices follow the kind).
_ebpfsh_reply() {
	local cur=$1 kind=$2 head='' IFS=$'\\n'
	shift 2
	case $kind in
	choices) COMPREPLY=($(compgen -W "$*" -- "$cur")) ;;
	commands) COMPREPLY=($(compgen -W "$_ebpfsh_commands" -- "$cur")) ;;
	options) COMPREPLY=($(compgen -W "$(_ebpfsh_options "$1" | tr ' ' '\\n')" -- "$cur")) ;;
	probes)
		# a comma-separated list: complete its last name
		[[ $cur == *,* ]] && head=\${cur%,*},
		COMPREPLY=($(compgen -P "$head" -W "$_ebpfsh_probes" -- "\${cur##*,}")) ;;
	filters)
		[[ $cur == *=* ]] && return 0 # a value: nothing is known about it
		COMPREPLY=($(compgen -W "$(_ebpfsh_filter_words "$1")" -- "$cur"))
		[[ \${#COMPREPLY[@]} -eq 1 && \${COMPREPLY[0]} == *= ]] && compopt -o nospace 2>/dev/null ;;
	capture)
		COMPREPLY=($(compgen -d -- "$cur") $(compgen -f -X '!*.db' -- "$cur"))
		compopt -o filenames 2>/dev/null ;;
	file)
		COMPREPLY=($(compgen -f -- "$cur"))
		compopt -o filenames 2>/dev/null ;;
	dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		compopt -o filenames 2>/dev/null ;;
	esac
	return 0
}

_ebpfsh() {
	# Words from the line itself: bash splits COMP_WORDS at = and :, which filters (uid=0) and paths hold.
	local line=\${COMP_LINE:0:COMP_POINT} cur='' sub='' w skip='' ended='' n=0 probes='' kind
	local -a words
	read -ra words <<<"$line"
	if [[ $line != *[[:space:]] && \${#words[@]} -gt 1 ]]; then
		cur=\${words[\${#words[@]}-1]}
		unset 'words[\${#words[@]}-1]'
	fi
	for w in "\${words[@]:1}"; do
		if [[ -n $skip ]]; then
			[[ $(_ebpfsh_option_value "$sub" "$skip") == probes ]] && probes=$w
			skip=''
			continue
		fi
		if [[ -z $ended && $w == -- ]]; then ended=1; continue; fi
		if [[ -z $ended && $w == -* ]]; then
			[[ $w != *=* && -n $(_ebpfsh_option_value "$sub" "$w") ]] && skip=$w
			continue
		fi
		if [[ -z $sub ]]; then
			sub=$w
			continue
		fi
		# A probes argument may be left out (record's default profile): a filter word is not one.
		if [[ $(_ebpfsh_argument "$sub" "$n") == optprobes && ( $w == *=* || $w == failed || $w == '!failed' ) ]]; then
			probes=$_ebpfsh_default_probes
			n=$((n + 1))
		fi
		[[ $(_ebpfsh_argument "$sub" "$n") == *probes ]] && probes=$w
		n=$((n + 1))
	done
	COMPREPLY=()
	if [[ -n $skip ]]; then
		eval "_ebpfsh_reply \\"\\$cur\\" $(_ebpfsh_option_value "$sub" "$skip")"
	elif [[ -z $ended && $cur == -* ]]; then
		_ebpfsh_reply "$cur" options "$sub"
	elif [[ -z $sub ]]; then
		_ebpfsh_reply "$cur" commands
	else
		kind=$(_ebpfsh_argument "$sub" "$n")
		# a probe list that may be left out: offer the default profile's filters beside the probes
		if [[ $kind == optprobes ]]; then
			_ebpfsh_reply "$cur" probes
			local -a more=("\${COMPREPLY[@]}")
			_ebpfsh_reply "$cur" filters "$_ebpfsh_default_probes"
			COMPREPLY+=("\${more[@]}")
		elif [[ $kind == filters ]]; then
			_ebpfsh_reply "$cur" filters "$probes"
		elif [[ -n $kind ]]; then
			eval "_ebpfsh_reply \\"\\$cur\\" $kind"
		fi
	fi
	# bash replaces only the part of the word after its last break character (= or :).
	local part=\${COMP_WORDS[COMP_CWORD]}
	if [[ -n $cur && $cur != "$part" && $cur == *"$part" ]]; then
		local i drop=\${cur%"$part"}
		for i in "\${!COMPREPLY[@]}"; do COMPREPLY[i]=\${COMPREPLY[i]#"$drop"}; done
	fi
	return 0
}
complete -F _ebpfsh ebpfsh
`;
}

export class UsageError extends Error {}

export interface ParsedArgs {
  command: string;
  positionals: string[];
  /** Every option's values in order (`--fail a --fail b`); flags get `['true']`. */
  options: Record<string, string[] | undefined>;
}

const FLAGS = new Set(['help', 'version', 'fail-on-move', 'fail-on-drift']);

/** `cmd [--opt value | --opt=value | --flag]… [--] positionals`, with the options each command accepts. */
export function parseArgs(argv: string[], accepted: Record<string, string[]>): ParsedArgs {
  const options: Record<string, string[]> = {};
  const positionals: string[] = [];
  let command = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (a === '-h') {
      options.help = ['true'];
      continue;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = a.slice(2, eq < 0 ? undefined : eq);
      if (FLAGS.has(name)) {
        options[name] = ['true'];
        continue;
      }
      if (command && !accepted[command]?.includes(name)) throw new UsageError(`unknown option --${name} for ${command}`);
      if (!command) throw new UsageError(`unknown option --${name}`);
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      (options[name] ??= []).push(value);
      continue;
    }
    if (!command) command = a;
    else positionals.push(a);
  }
  return { command, positionals, options };
}

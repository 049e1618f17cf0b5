/**
 * The rule that keeps data from running as code through a shell stage, by construction: a
 * value that comes from the catalog ({galaxy}, {sn}) or from a file a stage wrote
 * ({upstream.<stage>}) is put into a `run` command only when it is a plain name, made of
 * letters and digits (of any script), `_ . + : -` and inner spaces: what SN names
 * (`SN2013aa`, `SN 2013aa`, `ASASSN-14jg`, `CSS121015:004244+132827`), catalog ids and file
 * names are made of. Such a value holds no quote, `$`, backquote, `;`, `&`, `|`, `<`, `>`,
 * bracket, brace, glob, `#`, `=`, `\`, `/`, line break or control character, so wherever a
 * command puts it (its own argument, `sh -c -- "... {sn}"`, `perl -E`, an awk program) it
 * is words, never syntax. A list of the interpreters and flags that read program text
 * could never be complete; a list of the characters a name is made of is.
 *
 * Anything else fails its galaxy before the command starts, and the message says what to
 * do: read the value from the environment ($SFH_SN, $SFH_GALAXY, $SFH_UPSTREAM_<STAGE>) or
 * the manifest, where it is data whatever it holds.
 */
import path from 'node:path';
import { UserError } from '../../errors.ts';

/** A plain name: starts with a letter, digit or `_`; then letters, marks, digits, `_ . + : -` and spaces; no space at the end. */
const NAME = /^[\p{L}\p{Nd}_](?:[\p{L}\p{M}\p{Nd}_.+:\- ]*[\p{L}\p{M}\p{Nd}_.+:-])?$/u;
/** One folder or file name of a path below a folder the pipeline chose (it may start with `.`). */
const COMPONENT = /^[\p{L}\p{Nd}_.](?:[\p{L}\p{M}\p{Nd}_.+:\- ]*[\p{L}\p{M}\p{Nd}_.+:-])?$/u;
/** The characters {@link NAME} allows anywhere (for naming the first one it does not). */
const ALLOWED = /[\p{L}\p{M}\p{Nd}_.+:\- ]/u;

/** What is wrong with `value` as a name, in words, or undefined when it is one. */
function problemOf(value: string, pattern: RegExp): string | undefined {
  if (pattern.test(value)) return undefined;
  if (value === '') return 'it is empty';
  const bad = [...value].find((c) => !ALLOWED.test(c));
  if (bad !== undefined) return `it holds ${describeChar(bad)}`;
  if (value.endsWith(' ')) return 'it ends with a space';
  return `it starts with ${describeChar([...value][0] as string)}`;
}

function describeChar(c: string): string {
  const code = `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  return /^[\x21-\x7e]$/.test(c) ? `\`${c}\`` : c === ' ' ? 'a space' : `the character ${code}${/\p{C}|\s/u.test(c) ? '' : ` (${c})`}`;
}

const RULE = 'a value from the catalog or from a file name is put into `run` only when it is a plain name: letters and digits, `_ . + : -` and inner spaces, starting with a letter, digit or `_`';

/**
 * A catalog value ({galaxy}, {sn}) as it may go into a `run` command, or a failure of its
 * galaxy that says why not and what to do. `env` is the variable that carries it as data.
 */
export function commandName(value: string, what: string, galaxy: string, stage: string, env: string): string {
  const problem = problemOf(value, NAME);
  if (problem === undefined) return value;
  throw new UserError(
    'catalog-invalid',
    `galaxy ${galaxy}: the ${what} ${JSON.stringify(value)} is not put into the command of stage \`${stage}\`: ${problem}, which a shell or a program's code could read as syntax`,
    `${RULE}. Read it in your script from $${env} (or, over the catalog, from the manifest) instead of a placeholder, where any value is data; or fix the row in the catalog`,
  );
}

/**
 * A file path from an upstream stage ({upstream.<stage>}) as it may go into a `run`
 * command: the part below the first of `folders` (the pipeline's folder, the path
 * parameters of the stage that wrote it) that holds it must be plain names; the folders
 * themselves are the user's configuration, not data (`/Users/me/Dropbox (Personal)/out`).
 */
export function commandPath(file: string, folders: readonly string[], galaxy: string, stage: string, placeholder: string, env: string): string {
  const base = folders.filter((f) => path.isAbsolute(f)).map((f) => path.resolve(f)).filter((f) => file.startsWith(f.endsWith(path.sep) ? f : f + path.sep)).sort((a, b) => b.length - a.length)[0];
  const rel = base === undefined ? file.replace(/^\/+/, '') : path.relative(base, file);
  for (const part of rel.split(path.sep)) {
    const problem = part === '..' ? 'it leaves its folder' : problemOf(part, COMPONENT);
    if (problem === undefined) continue;
    throw new UserError(
      'bad-input',
      `galaxy ${galaxy}: {${placeholder}} of stage \`${stage}\` is ${JSON.stringify(file)}, which is not put into its command: its name ${JSON.stringify(part)} is not a plain name (${problem}), which a shell or a program's code could read as syntax`,
      `${RULE} (below the folders of the pipeline and of the stage's path parameters). Read the path in your script from $${env} instead of the placeholder, where any value is data; or rename the file (it is usually named after the catalog row: fix the row)`,
    );
  }
  return file;
}

/** The environment variable that carries `{upstream.<stage>}`: `SFH_UPSTREAM_WRITE` for `write`. */
export function upstreamEnv(stage: string): string {
  return `SFH_UPSTREAM_${stage.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

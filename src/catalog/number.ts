/**
 * Catalog numbers read as the study read them: `pd.read_csv(...)` with its defaults (the C
 * parser, no thousands separator, the default NA strings). JavaScript's `Number()` accepts
 * more (`0x15` is 21, `0b1` is 1, non-breaking spaces are trimmed), so a cell the notebook
 * could not use would silently become a coordinate here. Checked against pandas 1.5.3
 * (Debian's python3-pandas): every form accepted or refused below was tried there.
 */

/**
 * pandas' default NA strings (`pandas._libs.parsers.STR_NA_VALUES` in 1.5): a cell that is
 * exactly one of these reads as NaN, i.e. as missing. Matched before any trimming, as pandas
 * does (`'nan '` is not NA there).
 */
export const PANDAS_NA_STRINGS: ReadonlySet<string> = new Set([
  '',
  '#N/A',
  '#N/A N/A',
  '#NA',
  '-1.#IND',
  '-1.#QNAN',
  '-NaN',
  '-nan',
  '1.#IND',
  '1.#QNAN',
  '<NA>',
  'N/A',
  'NA',
  'NULL',
  'NaN',
  'n/a',
  'nan',
  'null',
]);

/**
 * The C parser's float syntax: optional spaces or tabs, a sign, digits with at most one
 * decimal point (at least one digit), an optional exponent with at least one digit, optional
 * spaces or tabs. No hex, binary or octal prefix, no `_` or `,` between digits, no
 * other whitespace (a non-breaking space makes the cell text).
 */
const DECIMAL = /^[ \t]*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[ \t]*$/;

/** `inf`, `Infinity` in any case, signed, with nothing around it (pandas refuses `' inf'`). */
const INFINITY = /^([+-]?)(?:inf|infinity)$/i;

/** How pandas reads one cell of a numeric column. */
export type PandasNumber = { readonly kind: 'number'; readonly value: number } | { readonly kind: 'missing' } | { readonly kind: 'text' };

/**
 * Reads `cell` the way `pd.read_csv` would: a number, missing (an NA string, NaN in pandas),
 * or text (pandas would keep the column as strings and the notebook's arithmetic on it
 * would fail). A decimal that overflows a double is text too, as in pandas (`1.8e308`);
 * one that underflows is 0, as in pandas (`1e-500`).
 */
export function readPandasNumber(cell: string): PandasNumber {
  if (PANDAS_NA_STRINGS.has(cell)) return { kind: 'missing' };
  if (DECIMAL.test(cell)) {
    const value = Number(cell.replace(/^[ \t]+|[ \t]+$/g, ''));
    return Number.isFinite(value) ? { kind: 'number', value } : { kind: 'text' };
  }
  const inf = INFINITY.exec(cell);
  if (inf) return { kind: 'number', value: inf[1] === '-' ? -Infinity : Infinity };
  return { kind: 'text' };
}

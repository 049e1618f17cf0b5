/**
 * A small typed table written two ways: as plain CSV (a header line and one line per row,
 * what a spreadsheet or pandas reads) and as ECSV, astropy's "Enhanced CSV" text format
 * (https://github.com/astropy/astropy-APEs/blob/main/APE6.rst), whose commented YAML
 * header carries each column's type, unit and description and the table's metadata, so
 * `Table.read(file)` gives a table with units and no guessing:
 *
 * ```text
 * # %ECSV 1.0
 * # ---
 * # datatype:
 * # - {name: psf_sigma_px, unit: pix, datatype: float64, description: PSF gaussian sigma}
 * # delimiter: ','
 * # meta: !!omap
 * # - {model: MDA}
 * # schema: astropy-2.0
 * psf_sigma_px
 * 0.84
 * ```
 *
 * The layout is the one astropy 5 writes with `delimiter=','` (test/dtd-ecsv.test.ts reads
 * it back with astropy). Both texts come from one {@link TypedTable}, so the CSV and the
 * ECSV of a table never disagree. Values: `null` is a missing value (an empty field, which
 * astropy reads as masked, for every type, an empty string included); floats are written
 * as the shortest text that reads back to the same float64, NaN and infinities as numpy
 * spells them (`nan`, `inf`, `-inf`).
 */

/** The ECSV datatypes this writer produces. */
export type TableDatatype = 'string' | 'int64' | 'float64' | 'bool';

/** One column: its name, type and, for ECSV's header, its unit and what it holds. */
export interface TableColumn {
  readonly name: string;
  readonly datatype: TableDatatype;
  /** An astropy unit string (`pix`, `yr`, `dex(yr)`); none for dimensionless numbers and text. */
  readonly unit?: string;
  readonly description?: string;
}

/** A cell: text, a number, a boolean, or null for a missing value. */
export type TableValue = string | number | boolean | null;

/** A value of the table's metadata (ECSV `meta`). */
export type TableMetaValue = string | number | boolean | readonly (string | number)[];

/** Columns, rows (one value per column, in column order) and optional metadata. */
export interface TypedTable {
  readonly columns: readonly TableColumn[];
  readonly rows: readonly (readonly TableValue[])[];
  readonly meta?: Readonly<Record<string, TableMetaValue>>;
}

/** Checks every cell against its column's type; throws a RangeError naming the column and row. */
function checked(table: TypedTable): void {
  const names = new Set<string>();
  for (const c of table.columns) {
    if (names.has(c.name)) throw new RangeError(`table: column \`${c.name}\` appears twice`);
    names.add(c.name);
  }
  table.rows.forEach((row, r) => {
    if (row.length !== table.columns.length) throw new RangeError(`table: row ${r} has ${row.length} values for ${table.columns.length} columns`);
    row.forEach((v, i) => {
      if (v === null) return;
      const c = table.columns[i]!;
      const ok =
        c.datatype === 'string' ? typeof v === 'string' : c.datatype === 'bool' ? typeof v === 'boolean' : c.datatype === 'int64' ? Number.isSafeInteger(v) : typeof v === 'number';
      if (!ok) throw new RangeError(`table: column \`${c.name}\` (${c.datatype}) row ${r}: \`${String(v)}\` is not a ${c.datatype}`);
    });
  });
}

/** A number as numpy reads it back: shortest round trip, `nan`, `inf`, `-inf`. */
function numberText(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Number.POSITIVE_INFINITY) return 'inf';
  if (v === Number.NEGATIVE_INFINITY) return '-inf';
  return String(v);
}

/** One cell of a CSV line: RFC 4180 quoting where needed (delimiter, quote, line end, edge spaces, a leading `#`). */
function cellText(v: TableValue, datatype: TableDatatype, ecsv: boolean): string {
  if (v === null) return '';
  if (typeof v === 'number') return numberText(v);
  if (typeof v === 'boolean') return ecsv || datatype === 'bool' ? (v ? 'True' : 'False') : String(v);
  return /[",\n\r]|^\s|\s$|^#/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

function lines(table: TypedTable, ecsv: boolean): string[] {
  checked(table);
  const out = [table.columns.map((c) => cellText(c.name, 'string', ecsv)).join(',')];
  for (const row of table.rows) out.push(row.map((v, i) => cellText(v, table.columns[i]!.datatype, ecsv)).join(','));
  return out;
}

/** The table as CSV text: a header line, one line per row, `\n` line ends; booleans `True`/`False`. */
export function tableCsv(table: TypedTable): string {
  return `${lines(table, false).join('\n')}\n`;
}

const PLAIN = /^[A-Za-z_][A-Za-z0-9_ ./()*-]*$/;
const YAML_WORDS = /^(true|false|yes|no|on|off|null)$/i;

/** A YAML scalar for a flow context: plain when unambiguous, else single-quoted. */
function yamlScalar(v: string | number | boolean): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return Number.isNaN(v) ? '.nan' : v === Infinity ? '.inf' : v === -Infinity ? '-.inf' : String(v);
  if (PLAIN.test(v) && !v.endsWith(' ') && !YAML_WORDS.test(v)) return v;
  return `'${v.replaceAll("'", "''")}'`;
}

/** The table as ECSV 1.0 text, astropy's layout, with a `,` delimiter. */
export function tableEcsv(table: TypedTable): string {
  const body = lines(table, true);
  const head = ['# %ECSV 1.0', '# ---', '# datatype:'];
  for (const c of table.columns) {
    const fields = [`name: ${yamlScalar(c.name)}`];
    if (c.unit) fields.push(`unit: ${yamlScalar(c.unit)}`);
    fields.push(`datatype: ${c.datatype}`);
    if (c.description) fields.push(`description: ${yamlScalar(c.description)}`);
    head.push(`# - {${fields.join(', ')}}`);
  }
  head.push("# delimiter: ','");
  const meta = Object.entries(table.meta ?? {});
  if (meta.length) {
    head.push('# meta: !!omap');
    for (const [k, v] of meta) {
      head.push(Array.isArray(v) ? `# - ${yamlScalar(k)}: [${v.map(yamlScalar).join(', ')}]` : `# - {${yamlScalar(k)}: ${yamlScalar(v as string | number | boolean)}}`);
    }
  }
  head.push('# schema: astropy-2.0');
  return `${[...head, ...body].join('\n')}\n`;
}

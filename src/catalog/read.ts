/**
 * Reads the study's catalog CSV: the first, unnamed column is the galaxy id; every other
 * column is kept as text, to be interpreted by the stage that needs it.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { UserError } from '../errors.ts';
import { notA, pathProblem } from '../path-errors.ts';
import type { CatalogRow } from '../stage.ts';

/**
 * The key under which a row's fields carry what is wrong with the row as a whole (a field
 * count other than the header's), for its galaxy to fail with; no CSV header is this name.
 */
export const ROW_PROBLEM = '\u0000row';

/**
 * The key under which a galaxy's fields carry the lines of every row with its id, when
 * there is more than one: that galaxy fails (which row is meant is not known), the others run.
 */
export const DUPLICATE_ID = '\u0000duplicate';

/**
 * Parses the catalog at `file`. Fails with a message naming the file and line for a file
 * that cannot be read or parsed, a missing `required` column, two columns of one name, or
 * a row without an id. An id on several rows is one galaxy, the first row's, marked
 * (DUPLICATE_ID) to fail by itself: one bad row of a 500-row catalog must not stop the rest.
 */
export function readCatalog(file: string, required: readonly string[] = []): CatalogRow[] {
  let text: string;
  try {
    text = utf8Text(unpacked(readFileSync(file), file), file);
  } catch (err) {
    if (err instanceof UserError) throw err;
    // (what is wrong, in words: a folder, nothing there, a link to nothing, no permission)
    const code = (err as NodeJS.ErrnoException).code;
    const not = notA(file, 'file');
    const why = not ? `it ${not}${code ? ` (${code})` : ''}` : (pathProblem(err)?.message ?? code ?? (err as Error).message);
    throw new UserError('catalog-invalid', `cannot read the catalog ${file}: ${why}`, 'pass the catalog CSV with --catalog FILE', file);
  }
  let records: string[][];
  let lines: number[];
  try {
    // (rows of another length than the header are the row's problem, not the file's: see below)
    const parsed = parse(text, { skip_empty_lines: true, relax_column_count: true, bom: true, info: true }) as unknown as { record: string[]; info: { lines: number } }[];
    records = parsed.map((p) => p.record);
    // the line a record starts on (info gives the one it ends on; a quoted value may hold newlines)
    lines = parsed.map((p) => p.info.lines - p.record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0));
  } catch (err) {
    throw new UserError('catalog-invalid', `the catalog ${file} is not valid CSV: ${(err as Error).message}`, 'it must be a comma-separated file with a header row, as pandas.to_csv writes it', file);
  }
  const header = records[0];
  if (!header || records.length < 1) throw new UserError('catalog-invalid', `the catalog ${file} is empty`, 'it needs a header row and one row per galaxy', file);
  const columns = header.map(trimCell);
  // pandas keeps the first of two equal names and renames the second `SN RA.1`; reading the
  // last one here once chose different coordinates than the notebook. Either is a guess.
  const firstAt = new Map<string, number>();
  columns.forEach((c, j) => {
    if (j === 0 || c === '') return;
    const first = firstAt.get(c);
    if (first !== undefined) {
      throw new UserError('catalog-invalid', `the catalog ${file} has two columns named '${c}' (columns ${first + 1} and ${j + 1})`, `rename or remove one of them; pandas, which the study used, would read the first and call the second '${c}.1'`, file);
    }
    firstAt.set(c, j);
  });
  // Another separator: the whole header is one column (pandas' read_csv, the notebook's
  // reader, splits at commas only, and would find none of the columns either).
  const separator = columns.length === 1 ? ([['\t', 'tabs (tab-separated values)'], [';', "semicolons (a spreadsheet's CSV in a locale with decimal commas)"], ['|', 'vertical bars']] as const).find(([c]) => (columns[0] ?? '').includes(c)) : undefined;
  if (separator) {
    throw new UserError('catalog-invalid', `the catalog ${file} is not comma-separated: its header row is one column, split by ${separator[1]}`, "save it as comma-separated CSV (pandas' to_csv writes it; pandas' read_csv, the notebook's reader, splits at commas only)", file);
  }
  // The first column holds the ids whatever its name, so a required column cannot be it:
  // a catalog written without its index (pandas' to_csv(index=False)) has ArcName (or
  // another column) first, and every galaxy failed with "column 'ArcName' is empty".
  const missing = required.filter((c) => !columns.slice(1).includes(c));
  if (missing.includes(columns[0] ?? '')) {
    throw new UserError(
      'catalog-invalid',
      `the catalog ${file} has '${columns[0]}' as its first column, but the first column must hold the galaxy ids (the unnamed index column pandas' to_csv writes), so its '${columns[0]}' values would be read as ids`,
      `add the ids as the first column (in pandas: df.to_csv(f), without index=False), or pass the catalog that has them`,
      file,
    );
  }
  if (missing.length) {
    throw new UserError('catalog-invalid', `the catalog ${file} has no column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')}`, `the pipeline needs the columns ${required.join(', ')}; found: ${columns.filter(Boolean).join(', ')}`, file);
  }
  const rows: CatalogRow[] = [];
  const seen = new Map<string, { line: number; fields: Record<string, string> }>();
  for (let i = 1; i < records.length; i++) {
    const rec = records[i] ?? [];
    const id = trimCell(rec[0] ?? '');
    const line = lines[i] ?? i + 1;
    // A row of commas only (a spreadsheet's trailing rows): no galaxy, like an empty line.
    if (rec.every((cell) => trimCell(cell) === '')) continue;
    if (id === '') throw new UserError('catalog-invalid', `${file}:${line}: the row has no id in the first column`, 'every row needs a galaxy id in the first, unnamed column', file);
    const first = seen.get(id);
    if (first !== undefined) {
      // pandas reads both rows under one index value, and the notebook's df.loc[id] then
      // gives two rows for one galaxy: which is meant is a guess, so that galaxy fails.
      const fields = first.fields;
      fields[DUPLICATE_ID] = `${fields[DUPLICATE_ID] ?? String(first.line)}, ${line}`;
      continue;
    }
    const fields: Record<string, string> = {};
    columns.forEach((c, j) => {
      if (j > 0) fields[c] = trimCell(rec[j] ?? '');
    });
    // A missing or extra comma shifts every value after it (a Separation read as SN DEC):
    // that galaxy fails with its line (src/catalog/galaxy.ts), the others go on.
    // Fields missing only under unnamed trailing columns (a header that ends with a comma, as
    // a spreadsheet exports it) shift nothing: pandas reads them as empty, and so do we.
    const short = rec.length < columns.length && columns.slice(rec.length).every((c) => c === '');
    if (rec.length !== columns.length && !short) fields[ROW_PROBLEM] = `line ${line} has ${rec.length} fields, the header ${columns.length}`;
    rows.push({ id, fields });
    seen.set(id, { line, fields });
  }
  return rows;
}

/**
 * Drops the spaces and tabs around a cell, the padding pandas' number parser skips too;
 * other whitespace (a non-breaking space) stays, so a number written with it is refused as
 * pandas refuses it (./number.ts).
 */
function trimCell(cell: string): string {
  return cell.replace(/^[ \t]+|[ \t]+$/g, '');
}

/**
 * The catalog's CSV bytes: a gzip-compressed catalog (`x.csv.gz`, which pandas' read_csv
 * reads as it is) inflated; a zip archive (an Excel `.xlsx`, or a zipped CSV) refused with
 * what it is, rather than as text that is "not UTF-8" or has no columns.
 */
function unpacked(bytes: Buffer, file: string): Buffer {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (err) {
      throw new UserError('catalog-invalid', `the catalog ${file} is gzip-compressed and cannot be inflated (${(err as Error).message})`, 'fetch it again, or pass the uncompressed CSV (`gzip -t` checks a copy)', file);
    }
  }
  if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    throw new UserError('catalog-invalid', `the catalog ${file} is a zip archive (an Excel .xlsx workbook, or a zipped file), not a CSV file`, 'export it as CSV (UTF-8), or unzip it, and pass the .csv', file);
  }
  return bytes;
}

/**
 * The catalog's bytes as UTF-8 text, or a UserError naming the line and byte that are not:
 * pandas' read_csv (the notebook's reader) refuses such a file (UnicodeDecodeError), and
 * decoding it leniently turned a Latin-1 `é` in an SN name into U+FFFD, a name no file has.
 */
function utf8Text(bytes: Buffer, file: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new UserError('catalog-invalid', `the catalog ${file} is UTF-16 text, not UTF-8`, 'save it as UTF-8 (pandas.to_csv writes UTF-8; iconv -f UTF-16 -t UTF-8 old.csv > new.csv)', file);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    // find the first line that is not valid UTF-8, and the byte in it
    let lineStart = 0;
    let line = 1;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      try {
        new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(lineStart, i));
      } catch {
        const lineBytes = bytes.subarray(lineStart, i);
        const text = new TextDecoder('utf-8').decode(lineBytes);
        const bad = text.indexOf('\ufffd');
        const at = Buffer.byteLength(text.slice(0, Math.max(bad, 0)));
        const byte = lineBytes[at] ?? 0;
        throw new UserError(
          'catalog-invalid',
          `the catalog ${file} is not UTF-8 text: line ${line}, column ${Math.max(bad, 0) + 1} holds the byte 0x${byte.toString(16).padStart(2, '0')} (in "${text.slice(Math.max(0, bad - 20), bad + 20).trim()}")`,
          `save it as UTF-8 (a file from Excel or an old tool may be Latin-1: iconv -f LATIN1 -t UTF-8 old.csv > new.csv); pandas' read_csv, the notebook's reader, refuses it too`,
          file,
        );
      }
      lineStart = i + 1;
      line++;
    }
    throw new UserError('catalog-invalid', `the catalog ${file} is not UTF-8 text`, 'save it as UTF-8', file);
  }
}


/**
 * Turns `--galaxy` and `--where` into the catalog rows a run works on, with errors that
 * suggest the id the user probably meant.
 */
import { UserError } from '../errors.ts';
import type { CatalogRow } from '../stage.ts';

/**
 * Selects rows by a spec such as `122`, `11,45`, `100..130` or `all`, in catalog order.
 * A listed id that is not in the catalog is an error naming the nearest ids; a range
 * selects the ids that exist within it.
 */
export function selectRows(rows: readonly CatalogRow[], spec: string, where: readonly string[] = [], catalogFile = 'the catalog'): CatalogRow[] {
  const wanted = new Set<string>();
  let all = false;
  const ranges: [number, number][] = [];
  for (const part of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (part === 'all') all = true;
    else {
      const m = /^(-?\d+)\s*\.\.\s*(-?\d+)$/.exec(part);
      if (m) ranges.push([Number(m[1]), Number(m[2])]);
      else wanted.add(part);
    }
  }
  if (!all && wanted.size === 0 && ranges.length === 0) throw new UserError('usage', `--galaxy: no galaxy given`, 'use an id (122), a list (11,45), a range (100..130) or all');
  const ids = new Set(rows.map((r) => r.id));
  if (rows.length === 0) {
    throw new UserError('empty-selection', `${catalogFile} has no galaxy: it has a header row but no data rows`, 'add one row per galaxy under the header, its id in the first, unnamed column; or pass another catalog with --catalog FILE', catalogFile);
  }
  for (const id of wanted) {
    if (!ids.has(id)) {
      const near = nearest(id, [...ids]);
      throw new UserError('unknown-galaxy', `galaxy ${id} is not in ${catalogFile}${near[0] !== undefined ? ` (did you mean ${near[0]}?)` : ''}`, `nearest ids: ${near.join(', ')}`, catalogFile);
    }
  }
  const filters = where.map(parseWhere);
  for (const f of filters) {
    if (rows.length && !(f.column in (rows[0]?.fields ?? {}))) {
      throw new UserError('usage', `--where: the catalog has no column '${f.column}'`, `columns: ${Object.keys(rows[0]?.fields ?? {}).join(', ')}`, catalogFile);
    }
  }
  const selected = rows.filter((r) => {
    const n = Number(r.id);
    const inSpec = all || wanted.has(r.id) || ranges.some(([a, b]) => Number.isFinite(n) && n >= a && n <= b);
    return inSpec && filters.every((f) => (r.fields[f.column] === f.value) === f.equal);
  });
  if (selected.length === 0) {
    throw new UserError('empty-selection', `no galaxy of ${catalogFile} matches --galaxy ${spec}${where.length ? ` --where ${where.join(' --where ')}` : ''}`, 'check the ids (the first column of the catalog) and the --where filters');
  }
  return selected;
}

function parseWhere(text: string): { column: string; value: string; equal: boolean } {
  const m = /^([^!=]+?)\s*(!=|=)\s*(.*)$/.exec(text);
  if (!m) throw new UserError('usage', `--where: \`${text}\` is not COLUMN=VALUE or COLUMN!=VALUE`, "e.g. --where 'SN Type=Ia'");
  return { column: (m[1] ?? '').trim(), value: (m[3] ?? '').trim(), equal: m[2] === '=' };
}

/** Up to three ids closest to `id`: numerically when both are numbers, else by edit distance. */
function nearest(id: string, ids: readonly string[]): string[] {
  const n = Number(id);
  const score = (other: string): number => (Number.isFinite(n) && Number.isFinite(Number(other)) ? Math.abs(Number(other) - n) : editDistance(id, other));
  return [...ids].sort((a, b) => score(a) - score(b)).slice(0, 3);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}

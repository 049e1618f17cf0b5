/**
 * Puts a freshly built dataset in place. The dataset may share its folder with other files
 * (the bundled `example/` also holds README.md), so instead of renaming the whole folder we
 * rename the dataset's own top-level entries, in an order that keeps every interrupted state
 * recognisable: a pending marker first, the catalog last but one, the marker last.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UserError } from '../errors.ts';
import { EXAMPLE_LAYOUT, EXAMPLE_VERSION } from './layout.ts';
import { alive } from '../cache/atomic.ts';

/** The marker's content: the manifest without the parts that depend on where or when. */
export interface Marker {
  readonly version: string;
  readonly catalog: string;
  readonly files: readonly { readonly path: string; readonly bytes: number }[];
  readonly galaxies: readonly unknown[];
}

/** Present while entries are being swapped: the folder's dataset entries are ours, but incomplete. */
const PENDING = `${EXAMPLE_LAYOUT.marker}.pending`;

/** Top-level entries of the dataset, in the order they are put in place (catalog last). */
const ENTRIES: readonly string[] = [
  ...new Set([EXAMPLE_LAYOUT.cubeDir.split('/')[0] ?? '', EXAMPLE_LAYOUT.ppxfDir.split('/')[0] ?? '']),
  EXAMPLE_LAYOUT.catalog,
].filter((e) => e !== '');

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** The dataset in `dir` if it is complete and of the current version, else undefined. */
export async function readComplete(dir: string): Promise<Marker | undefined> {
  if (await exists(join(dir, PENDING))) return undefined;
  let marker: Marker;
  try {
    marker = JSON.parse(await readFile(join(dir, EXAMPLE_LAYOUT.marker), 'utf8')) as Marker;
  } catch {
    return undefined;
  }
  if (marker.version !== EXAMPLE_VERSION || !Array.isArray(marker.files)) return undefined;
  for (const f of marker.files) {
    const s = await stat(join(dir, f.path)).catch(() => undefined);
    if (s === undefined || !s.isFile() || s.size !== f.bytes) return undefined;
  }
  return marker;
}

/**
 * Refuses (UserError 'example-dir-occupied') a folder whose catalog or data folders exist
 * but were not written by the generator: that is someone's real data, never to be replaced.
 */
export async function checkReplaceable(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  if (entries.includes(EXAMPLE_LAYOUT.marker) || entries.includes(PENDING)) return;
  const foreign = ENTRIES.filter((e) => entries.includes(e));
  if (foreign.length === 0) return;
  throw new UserError(
    'example-dir-occupied',
    `${dir} already holds ${foreign.join(', ')}, which the example generator did not write`,
    'Choose another folder for the example dataset; existing data is never overwritten.',
    dir,
  );
}

/** A unique name next to `path` (same file system, so renames are atomic); `*.tmp-*` is git-ignored. */
export function siblingTemp(path: string, what: string): string {
  return join(dirname(path), `.${basename(path)}.${what}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Removes the temporary siblings of `path` left by generations that were killed: their
 * process is gone. A live process's folders are left alone, so concurrent runs are safe.
 */
export async function sweepStale(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  const names = await readdir(dirname(path)).catch(() => [] as string[]);
  for (const name of names) {
    const m = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name);
    if (!name.startsWith(prefix) || m === null || alive(Number(m[1]))) continue;
    await rm(join(dirname(path), name), { recursive: true, force: true });
  }
}

/** Writes a small file atomically (temporary name, then rename). */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = siblingTemp(path, 'write');
  await writeFile(tmp, text);
  await rename(tmp, path);
}

/** Renames `from` to `to`, first moving an existing `to` into `trash` (a rename cannot replace a non-empty folder). */
async function replace(from: string, to: string, trash: string): Promise<void> {
  if (await exists(to)) await rename(to, join(trash, `${basename(to)}-${randomBytes(4).toString('hex')}`));
  await rename(from, to);
}

/**
 * Moves the dataset built in `built` into `dir` and writes `marker` there. Interrupted at any
 * point, `dir` has either no catalog or the pending marker, so neither the pipeline nor
 * {@link readComplete} mistakes it for a complete dataset, and the next run rebuilds it.
 */
export async function install(built: string, dir: string, marker: Marker): Promise<void> {
  await mkdir(dir, { recursive: true });
  const trash = siblingTemp(dir, 'old');
  await mkdir(trash);
  try {
    await writeAtomic(join(dir, PENDING), `${EXAMPLE_VERSION}\n`);
    await rm(join(dir, EXAMPLE_LAYOUT.marker), { force: true });
    // The old catalog goes first, so a dataset without a catalog is what an interruption shows.
    if (await exists(join(dir, EXAMPLE_LAYOUT.catalog))) await replace(join(dir, EXAMPLE_LAYOUT.catalog), join(trash, 'catalog'), trash);
    for (const entry of ENTRIES) await replace(join(built, entry), join(dir, entry), trash);
    await writeAtomic(join(dir, EXAMPLE_LAYOUT.marker), `${JSON.stringify(marker, null, 2)}\n`);
    await rm(join(dir, PENDING), { force: true });
  } finally {
    await rm(trash, { recursive: true, force: true });
  }
}

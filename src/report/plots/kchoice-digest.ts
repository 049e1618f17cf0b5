/**
 * The digest of everything a k-choice plot is drawn from, kept inside the plot's own PNG
 * (a tEXt chunk), so `summarise` redraws only the plots whose inputs changed. A plot is a
 * pure function of: the drawing code (kchoice.ts and every module it imports, as they run),
 * the font files, the canvas library's version, zlib's version (the PNG's bytes), and the
 * galaxy, its SN name and its points (k, seed, objective, silhouette, in order). The digest
 * hashes all of them; a file that is a whole PNG (every chunk's CRC checks, IEND at the
 * end) and carries the same digest was drawn from the same inputs by the same code, so it
 * is the picture a redraw would give, byte for byte. No state is kept beside the picture:
 * a file replaced, truncated or written by another version fails the check and is redrawn.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { sha256 } from '../../cache/canonical.ts';
import { codeHash } from '../../cache/code-hash.ts';
import { PACKAGE_ROOT } from '../../package.ts';
import { fontFiles } from './canvas.ts';
import { intactPng, pngText } from './png.ts';

/** The tEXt keyword of the digest. */
export const KCHOICE_DIGEST = 'sfh-pipeline k-choice inputs';

/** What the digest reads of each point (the same fields the plot draws). */
interface Point {
  readonly k: number;
  readonly seed: number | null;
  readonly objective: number | null;
  readonly silhouette: number | null;
}

let identity: string | undefined;

/** The drawing's own part of the digest, once per thread. */
function drawingIdentity(): string {
  if (identity !== undefined) return identity;
  // kchoice.ts (or .js, as it runs) beside this file, and its imports.
  const here = fileURLToPath(import.meta.url);
  const kchoice = here.replace(/kchoice-digest(\.[cm]?[jt]s)$/, 'kchoice$1');
  identity = sha256(
    JSON.stringify({
      code: codeHash(kchoice, PACKAGE_ROOT).hash,
      fonts: fontFiles().map((f) => createHash('sha256').update(readFileSync(f)).digest('hex')),
      canvas: canvasVersion(),
      zlib: process.versions.zlib,
    }),
  );
  return identity;
}

/**
 * The canvas library's version, from its package.json; `unknown` if that cannot be read (a
 * future layout): the digest then misses only an upgrade of the library (a plot drawn by
 * the old one is kept until its points change), and never depends on where it is installed.
 */
function canvasVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    return (JSON.parse(readFileSync(require.resolve('@napi-rs/canvas/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The digest of a k-choice plot of `galaxy` from `points`. */
export function kChoiceDigest(galaxy: string, snName: string, points: readonly Point[]): string {
  const data = points.map((p) => [p.k, p.seed, p.objective, p.silhouette]);
  return sha256(JSON.stringify({ drawing: drawingIdentity(), galaxy, snName, points: data }));
}

/** Whether `file` is a whole PNG carrying `digest`: the plot a redraw would give. */
export function kChoiceCurrent(file: string, digest: string): boolean {
  let png: Buffer;
  try {
    png = readFileSync(file);
  } catch {
    return false;
  }
  return pngText(png)[KCHOICE_DIGEST] === digest && intactPng(png);
}

/**
 * Where sfh-pipeline is installed and which version it is: a leaf module (it imports
 * nothing of the tool), so every layer may ask it without pointing back up at the command
 * line or the engine.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's root folder (the one holding package.json and the bundled pipeline.yaml), found from this file's place. */
export const PACKAGE_ROOT = findPackageRoot(path.dirname(fileURLToPath(import.meta.url)));

/** sfh-pipeline's version, from package.json. */
export const VERSION: string = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

function findPackageRoot(dir: string): string {
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, 'package.json')) && existsSync(path.join(d, 'pipeline.yaml'))) return d;
    if (path.dirname(d) === d) return path.resolve(dir, '..');
  }
}

/**
 * Opening pipeline.yaml on the hot path of every command: a validated pipeline is
 * remembered (as JSON, in the cache folder) by the file's path and text and the loader's
 * own code, so a rerun does not even load the YAML parser. Any change to the file, or to
 * the loader, validates it again with every check.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../cache/atomic.ts';
import { sha256 } from '../cache/canonical.ts';
import { codeHash } from '../cache/code-hash.ts';
import { PACKAGE_ROOT } from '../package.ts';
import { projectRoot } from './project.ts';
import { readPipelineText } from './text.ts';
import type { ParamDecl, Pipeline } from './types.ts';

const LOADER = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? './load.ts' : './load.js', import.meta.url));

/**
 * Reads, validates (or recalls) the pipeline at `file` for its project; memos live under
 * `memoDir`. A memo holds resolved paths (the project folder, the built-in stages' files in
 * the package), so both are part of its name: another project or another install of the
 * package validates again.
 */
export async function openPipeline(file: string, memoDir: string): Promise<Pipeline> {
  const abs = path.resolve(file);
  const root = projectRoot(abs);
  const text = readPipelineText(abs);
  const memo = path.join(memoDir, 'pipelines', `${sha256(`${codeHash(LOADER, path.dirname(LOADER)).hash}\0${abs}\0${root}\0${PACKAGE_ROOT}\0${text}`)}.json`);
  try {
    const json = JSON.parse(readFileSync(memo, 'utf8')) as Omit<Pipeline, 'params'> & { params: [string, ParamDecl][] };
    return { ...json, params: new Map(json.params) };
  } catch {
    // not remembered yet
  }
  const { parsePipeline } = await import('./load.ts');
  const pipeline = parsePipeline(text, abs, root);
  try {
    mkdirSync(path.dirname(memo), { recursive: true });
    writeFileAtomic(memo, JSON.stringify({ ...pipeline, params: [...pipeline.params] }));
  } catch {
    // A read-only cache only costs the next run a parse.
  }
  return pipeline;
}

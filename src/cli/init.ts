/**
 * `sfh-pipeline init`: makes the current folder a project. The starter pipeline.yaml is
 * the bundled one, whose stages refer to the built-in stages by name (`builtin: cluster`),
 * so it runs wherever sfh-pipeline is installed and keeps running after an upgrade; its
 * path defaults (example/..., out/...) are relative to the project folder.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../errors.ts';
import { BUNDLED_PIPELINE, DOCS_DIR, VERSION } from '../package.ts';
import { findProjectPipeline, PIPELINE_FILE } from '../pipeline/project.ts';

/** What a project commits, and what it does not (runs remake it). */
const GITIGNORE = `# sfh-pipeline: runs remake these; commit pipeline.yaml and sfh-pipeline.lock
cache/
out/
example/
sfh-pipeline.lock.mutex
# the deposit (sfh-pipeline crate --with-outputs): it holds the outputs, for Zenodo, not git
*.crate.zip
# npm ci remakes it from package-lock.json
node_modules/
`;

/** The starter's opening comment (the bundled file's own is about the package). */
const HEADER = `# The pipeline of this project, written by \`sfh-pipeline init\` (sfh-pipeline ${VERSION}).
#
# This folder is the project: \`sfh-pipeline run\` (here, or in any folder below) keeps the
# cache in cache/, the lock file in sfh-pipeline.lock and, by default, the results in out/
# here. Commit this file and sfh-pipeline.lock; cache/ and out/ are remade by a run.
#
# The stages are sfh-pipeline's built-in ones (\`builtin: NAME\`), taken by name from the
# installed package, so an upgrade brings their new code. Add stages of your own with
# \`module: stages/my-stage.ts\` (TypeScript or JavaScript, in this folder) or \`run: <command>\`.
# Point catalog, cubes and sfh below at your data (relative to this folder), or give
# --catalog, --cubes and --sfh on the command line. A parameter given a list or range
# (--k 2..8, --set seed=0,1) is swept. See ${path.join(DOCS_DIR, 'project.md')}.
`;

/** Writes ./pipeline.yaml (and a .gitignore when there is none); resolves with the exit status. */
export function commandInit(v: { force?: boolean }): number {
  const cwd = process.cwd();
  const target = path.join(cwd, PIPELINE_FILE);
  if (existsSync(target) && !v.force) {
    throw new UserError('usage', `${target} exists already: this folder is a project`, 'edit its pipeline.yaml; or `sfh-pipeline init --force` to replace it with the starter (its edits are lost)');
  }
  const outer = findProjectPipeline(path.dirname(cwd));
  const bundled = readFileSync(BUNDLED_PIPELINE, 'utf8');
  const body = bundled.slice(bundled.search(/^version:/m));
  writeFileSync(target, `${HEADER}${body}`);
  const lines = [`wrote ${target}: the bundled pipeline, its stages built-in (builtin: NAME)`];
  const ignore = path.join(cwd, '.gitignore');
  if (!existsSync(ignore)) {
    writeFileSync(ignore, GITIGNORE);
    lines.push(`wrote ${ignore}: cache/, out/, example/, a crate's zip and node_modules/ stay out of git`);
  }
  if (outer) lines.push(`note: this folder is inside the project of ${outer}; commands run here now use this folder's pipeline.yaml`);
  lines.push(
    '',
    'next:',
    '  sfh-pipeline example                   # the example dataset in example/, to try it (run writes it too)',
    '  sfh-pipeline run --galaxy 122 --k 2..8  # results in out/GroupMap/, the cache in cache/, the lock in sfh-pipeline.lock',
    '  then point catalog, cubes and sfh in pipeline.yaml at your data (or give --catalog, --cubes, --sfh),',
    '  commit pipeline.yaml and sfh-pipeline.lock, and `sfh-pipeline verify` recomputes every locked output.',
    `  A stage of your own: ${path.join(DOCS_DIR, 'project.md')}`,
  );
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

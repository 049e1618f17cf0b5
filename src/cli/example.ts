/** `sfh-pipeline example`: write the bundled example dataset (by default where runs look for it). */
import path from 'node:path';
import { generateExample } from '../example/generate.ts';
import { findPipeline, projectRoot } from '../pipeline/project.ts';
import { exampleDir } from '../session/example.ts';

/** Writes the example dataset to `--out` (default: `example/` in the project folder, or in the current folder outside a project). */
export async function commandExample(v: { out?: string; pipeline?: string }): Promise<number> {
  const dir = path.resolve(v.out ?? exampleDir(projectRoot(findPipeline(v.pipeline))));
  const manifest = await generateExample(dir);
  process.stdout.write(`example dataset in ${dir} (${manifest.files.length} files)\n`);
  return 0;
}

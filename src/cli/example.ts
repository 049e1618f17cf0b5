/** `sfh-pipeline example`: write the bundled example dataset (by default where runs look for it). */
import path from 'node:path';
import { generateExample } from '../example/generate.ts';
import { EXAMPLE_DIR } from '../session/example.ts';

/** Writes the example dataset to `--out` (default: the bundled location). */
export async function commandExample(v: { out?: string }): Promise<number> {
  const dir = path.resolve(v.out ?? EXAMPLE_DIR);
  const manifest = await generateExample(dir);
  process.stdout.write(`example dataset in ${dir} (${manifest.files.length} files)\n`);
  return 0;
}

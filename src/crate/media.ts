/**
 * The media type (`encodingFormat`) of each kind of file the pipeline reads and writes,
 * as the RO-Crate 1.1 data entities recommend: registered types where there is one
 * (`application/fits`, RFC 4047), the closest one otherwise, with a link to the format's
 * description for ECSV, whose CSV reader would otherwise meet its YAML header unwarned.
 */

/** The ECSV description, linked from every `.ecsv` file (a `WebSite` entity in the crate). */
export const ECSV_SPEC = { '@id': 'https://github.com/astropy/astropy-APEs/blob/main/APE6.rst', '@type': 'WebSite', name: 'ECSV: Enhanced Character Separated Values (astropy APE 6)' } as const;

const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.fits': 'application/fits',
  '.fit': 'application/fits',
  '.fts': 'application/fits',
  '.png': 'image/png',
  '.csv': 'text/csv',
  '.html': 'text/html',
  '.json': 'application/json',
  '.jsonl': 'application/jsonl',
  '.lock': 'application/jsonl',
  '.yaml': 'application/yaml',
  '.yml': 'application/yaml',
  '.txt': 'text/plain',
  '.md': 'text/markdown',
  '.npy': 'application/octet-stream',
  '.gz': 'application/gzip',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.ts': 'text/plain',
  '.py': 'text/x-python',
  '.sh': 'text/x-sh',
};

/** The `encodingFormat` of `file` (by its name); undefined for an extension we do not know. */
export function encodingFormat(file: string): string | readonly [string, { '@id': string }] | undefined {
  const name = file.toLowerCase();
  if (name.endsWith('.ecsv')) return ['text/csv', { '@id': ECSV_SPEC['@id'] }];
  if (name.endsWith('.fits.gz')) return 'application/gzip';
  const dot = name.lastIndexOf('.');
  return dot < 0 ? undefined : BY_EXTENSION[name.slice(dot)];
}

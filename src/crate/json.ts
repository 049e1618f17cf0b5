/**
 * The crate's JSON-LD as text a person can read and `grep` at 4,000 files: one entity per
 * line (a file's id, size, sha256, format and parameter together), and the long lists of
 * references (the root's `hasPart`, the run's `object` and `result`) one reference per
 * line. Still one JSON document, so any JSON-LD tool reads it as it is.
 */

/** A JSON-LD entity of the crate's `@graph`. */
export type Entity = { readonly '@id': string; readonly '@type': string | readonly string[] } & { readonly [key: string]: unknown };

/** A reference to an entity: `{"@id": ...}`. */
export function ref(id: string): { '@id': string } {
  return { '@id': id };
}

/** Lists longer than this are written one item per line. */
const LONG = 3;

/** `ro-crate-metadata.json` for `context` and `graph`. */
export function formatCrate(context: readonly string[], graph: readonly Entity[]): string {
  const lines = graph.map((e) => `    ${formatEntity(e)}`);
  return `{\n  "@context": ${JSON.stringify(context)},\n  "@graph": [\n${lines.join(',\n')}\n  ]\n}\n`;
}

function formatEntity(e: Entity): string {
  const parts = Object.entries(e)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => {
      const key = JSON.stringify(k);
      if (Array.isArray(v) && v.length > LONG) return `${key}: [\n${v.map((item) => `      ${JSON.stringify(item)}`).join(',\n')}\n    ]`;
      return `${key}: ${JSON.stringify(v)}`;
    });
  return `{${parts.join(', ')}}`;
}

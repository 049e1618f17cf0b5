/** Small helpers over the YAML document shared by the pipeline loader's parts. */
import { isScalar, isSeq, type Node, type Pair } from 'yaml';

/** Records a problem at a node, or at an offset into the file's text. */
export type At = (node: Node | null | undefined | Pair['key'] | number, message: string, hint?: string) => void;

/** A list of strings, or a problem recorded at the node (with an example of the form). */
export function stringList(node: unknown, what: string, at: At, example = 'a list of names, e.g. [mass-map, load-cubes]'): { names: string[]; nodes: Node[] } {
  if (node === undefined) return { names: [], nodes: [] };
  if (!isSeq(node) || !node.items.every((i) => isScalar(i) && typeof i.value === 'string')) {
    at(node as Node, `${what} must be ${example}`);
    return { names: [], nodes: [] };
  }
  return { names: node.items.map((i) => String((i as { value: unknown }).value)), nodes: node.items as Node[] };
}


/**
 * The one place an instance's kind is chosen: a `run:` command is a shell stage (of its
 * instance's scope), any other stage a module, per galaxy or over the catalog. A new kind
 * of stage is a new file here implementing ./kind.ts, and one more line below.
 */
import type { Instance } from '../../pipeline/analyse.ts';
import { catalogKind } from './catalog.ts';
import { galaxyKind } from './galaxy.ts';
import type { Kind } from './kind.ts';
import { shellKind } from './shell.ts';

const SHELL_PER_GALAXY = shellKind(galaxyKind);
const SHELL_OVER_CATALOG = shellKind(catalogKind);

/** How the engine runs `inst`. */
export function kindOf(inst: Instance): Kind {
  if (inst.stage.run) return inst.scope === 'catalog' ? SHELL_OVER_CATALOG : SHELL_PER_GALAXY;
  return inst.scope === 'catalog' ? catalogKind : galaxyKind;
}

export type { Bound, Kind } from './kind.ts';

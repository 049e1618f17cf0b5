/**
 * The live terminal view: a listr2 tree with one line per galaxy and its stage instances
 * beneath, redrawn in place. Like the plain log it only subscribes to the engine's events;
 * each listr2 task merely waits for the event that ends its instance, so the engine stays
 * the one that schedules, runs and records. Galaxies appear when the engine starts them
 * and collapse to one line when they finish (unless something failed), so the bottom of
 * the screen shows what is running, however long the catalog.
 */
import { DefaultRenderer, Listr, ListrEventManager, ListrLogger, PRESET_TIMER, ProcessOutput, type ListrTask } from 'listr2';
import type { EngineEmitter, InstanceResult } from '../engine/events.ts';
import type { Instance, Plan } from '../pipeline/analyse.ts';
import { describeFailure, stackOf } from './failure.ts';
import { formatMs } from './plain.ts';

/** How the view behaves. */
export interface ListrViewOptions {
  /** After the tree, print the stack of every failure that has one (as `--verbose` does in the plain log). */
  readonly verbose?: boolean;
}

/** A view that is drawing. */
export interface ListrView {
  /**
   * Resolves once the last frame is drawn and the run has ended ('run-end'), with the
   * warnings printed below the tree: the CLI awaits it before printing its summary.
   */
  readonly finished: Promise<void>;
  /**
   * Ends the view early, for when the engine threw and will send no more events: instances
   * that never ended are shown as not run. A no-op after 'run-end'. Resolves as `finished`.
   */
  stop(): Promise<void>;
  /**
   * Ends the view at once, for a run that is interrupted (Ctrl-C, SIGTERM) and ends the
   * process: the last frame and the cursor stay on the screen, so what is written next
   * (how far the run got) appears under it.
   */
  interrupt(): void;
}

type RendererTasks = ConstructorParameters<typeof DefaultRenderer>[0];

/**
 * DefaultRenderer with three changes, all for long catalogs and none visible on a short one.
 * - It may draw on a stream other than a terminal stdout: listr2 checks
 *   `process.stdout.isTTY`, but the view draws on `out` (stderr), and whether that is a
 *   terminal is the caller's decision.
 * - It redraws on its spinner's tick (10 a second) only: listr2 also redraws the whole
 *   tree on every change of any task, which writes megabytes to the terminal.
 * - It lays out only the bottom of the tree: finished galaxies more than a screen above
 *   the bottom, which the terminal would cut off anyway, are left out of each frame (a
 *   frame of 300 galaxies took half a core), while a galaxy still running stays in view
 *   wherever it is in the list. The last frame, left in the scrollback, has every galaxy.
 * And on Ctrl-C (the session's interrupt: `ListrView.interrupt`) it leaves the last frame
 * and the cursor on the screen before the process ends: while it draws, listr2 holds back
 * all other writes to the stream, the cursor's restoring included.
 */
class TerminalRenderer extends DefaultRenderer {
  static override nonTTY = true;
  private readonly all: RendererTasks;
  private readonly shown: RendererTasks;
  private readonly rows: number;
  constructor(...[tasks, options]: ConstructorParameters<typeof DefaultRenderer>) {
    const shown: RendererTasks = [];
    // Events on which nothing is ever emitted: the renderer then only follows its spinner.
    super(shown, options, new ListrEventManager());
    this.all = tasks;
    this.shown = shown;
    this.rows = options.logger?.process.stdout.rows ?? 24;
  }

  override update(): void {
    const kept: RendererTasks = [];
    for (let i = this.all.length - 1; i >= 0; i--) {
      const task = this.all[i];
      if (!task?.isEnabled() || (kept.length >= this.rows && task.hasFinalized())) continue;
      kept.push(task);
    }
    this.shown.splice(0, this.shown.length, ...kept.reverse());
    super.update();
  }

  /** The renderers drawing now: what an interrupt ends. */
  static readonly drawing = new Set<TerminalRenderer>();
  private ended = false;

  override async render(): Promise<void> {
    TerminalRenderer.drawing.add(this);
    await super.render();
  }

  override end(): void {
    // (once: an interrupt may end it before listr2 does)
    if (this.ended) return;
    this.ended = true;
    TerminalRenderer.drawing.delete(this);
    this.shown.splice(0, this.shown.length, ...this.all);
    super.end();
  }
}

/** What a task's handle lets the view change. */
interface Handle {
  title: string;
  output: string;
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  settled: boolean;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const d: Deferred<T> = {
    promise: new Promise<T>((r) => (resolve = r)),
    settled: false,
    resolve: (value) => {
      if (!d.settled) resolve(value);
      d.settled = true;
    },
  };
  return d;
}

/** One stage instance's line. */
interface Slot {
  readonly instance: Instance;
  readonly title: string;
  readonly started: Deferred<void>;
  readonly ended: Deferred<InstanceResult>;
  readonly galaxy: Galaxy;
  handle?: Handle;
  result?: InstanceResult;
  /** The engine started it (an instance skipped or failed upstream never starts). */
  began?: boolean;
  iteration?: number;
}

/** One galaxy's line. */
interface Galaxy {
  readonly title: string;
  readonly slots: Slot[];
  readonly begun: Deferred<void>;
  handle?: Handle;
  /** When the engine started its first instance, and how long it took to the last (performance.now() ms). */
  since?: number;
  ms?: number;
}

/**
 * Draws the run on `out` (a terminal: the CLI passes stderr when it is a TTY) until
 * 'run-end'. Failures end their line with the message and leave their galaxy expanded;
 * listr2 collects the errors, so it prints no stack traces and never stops the run.
 */
export function attachListrView(events: EngineEmitter, plan: Plan, out: NodeJS.WriteStream = process.stderr, options: ListrViewOptions = {}): ListrView {
  const galaxies = new Map<string, Galaxy>();
  const slots = new Map<string, Slot>();
  for (const inst of plan.instances) {
    let galaxy = galaxies.get(inst.row.id);
    if (!galaxy) {
      // The catalog-level instances share one line after the galaxies': they run over all of them.
      const title = inst.scope === 'catalog' ? 'all galaxies (catalog-level stages)' : `${inst.row.id} ${inst.row.fields['SN Name'] ?? ''}`.trim();
      galaxy = { title, slots: [], begun: deferred() };
      galaxies.set(inst.row.id, galaxy);
    }
    const title = [inst.stage.name, ...Object.entries(inst.point).map(([k, v]) => `${k}=${v}`)].join(' ');
    const slot: Slot = { instance: inst, title, started: deferred(), ended: deferred(), galaxy };
    galaxy.slots.push(slot);
    slots.set(inst.id, slot);
  }
  // Galaxies in the order the engine takes them (the plan's task order).
  const order = [...new Set([...plan.tasks.map((t) => t.row.id), ...plan.catalog.map((i) => i.row.id)])].flatMap((id) => galaxies.get(id) ?? []);

  const after: string[] = [];
  const runEnded = deferred<void>();
  const end = (result: InstanceResult): void => {
    const slot = slots.get(result.instance.id);
    if (!slot || slot.ended.settled) return;
    slot.result = result;
    const galaxy = slot.galaxy;
    galaxy.since ??= performance.now() - result.ms;
    if (galaxy.slots.every((s) => s.result)) galaxy.ms = performance.now() - galaxy.since;
    galaxy.begun.resolve();
    slot.started.resolve();
    slot.ended.resolve(result);
    for (const w of result.warnings) after.push(`${result.instance.id} warning: ${w}`);
    const stack = options.verbose ? stackOf(result.failure) : undefined;
    if (stack) after.push(stack);
    retitleGalaxy(galaxy);
  };
  const stopAll = (): void => {
    for (const slot of slots.values()) {
      end({ instance: slot.instance, status: 'cancelled', ms: 0, failure: { reason: 'cancelled', message: 'not run' }, warnings: [], files: [] });
    }
    runEnded.resolve();
  };

  events.on('instance-start', (inst) => {
    const slot = slots.get(inst.id);
    if (!slot) return;
    slot.began = true;
    slot.galaxy.since ??= performance.now();
    slot.galaxy.begun.resolve();
    slot.started.resolve();
  });
  events.on('instance-progress', (inst, info) => {
    const slot = slots.get(inst.id);
    if (!slot || slot.result) return;
    if (info.iteration !== undefined) slot.iteration = info.iteration;
    if (slot.handle && slot.iteration !== undefined) slot.handle.title = `${slot.title} — round ${slot.iteration}`;
    if (slot.handle && info.message !== undefined) slot.handle.output = info.message;
  });
  events.on('instance-warning', (inst, message) => {
    const slot = slots.get(inst.id);
    if (slot?.handle && !slot.result) slot.handle.output = `warning: ${message}`;
  });
  events.on('instance-end', end);
  events.on('run-end', stopAll);

  const listr = new Listr(order.map(galaxyTask), {
    concurrent: true,
    exitOnError: false,
    collectErrors: 'minimal',
    // listr2's own handler would exit with 127; the session answers signals (src/session/interrupt.ts).
    registerSignalListeners: false,
    renderer: TerminalRenderer,
    rendererOptions: {
      logger: new ListrLogger({ processOutput: new ProcessOutput(out, out) }),
      // A finished galaxy is one line; a skip or a failure says why in place of the title.
      collapseSubtasks: true, collapseSkips: true, collapseErrors: true, showSkipMessage: true, showErrorMessage: true,
      timer: PRESET_TIMER,
    },
  });
  const finished = Promise.all([listr.run(), runEnded.promise]).then(() => {
    for (const line of after) out.write(`${line}\n`);
  });
  return {
    finished,
    stop: () => {
      stopAll();
      return finished;
    },
    interrupt: () => {
      for (const renderer of TerminalRenderer.drawing) renderer.end();
    },
  };
}

/**
 * listr2 evaluates `enabled` when its list starts and again just before running the task.
 * The first answer decides whether a waiting task is drawn; the second waits for the
 * engine, so a task runs (and its spinner turns) only once its instance has started.
 */
function gate(drawnWhileWaiting: boolean, ready: Promise<void>): () => boolean | Promise<boolean> {
  let first = true;
  return () => {
    if (!first) return ready.then(() => true);
    first = false;
    return drawnWhileWaiting;
  };
}

function galaxyTask(galaxy: Galaxy): ListrTask<object, typeof TerminalRenderer> {
  return {
    title: galaxy.title,
    // Hidden until the engine starts it: waiting galaxies would fill the screen.
    enabled: gate(false, galaxy.begun.promise),
    // The engine's time, not listr2's: listr2 starts the task a little after the engine does.
    rendererOptions: { timer: { ...PRESET_TIMER, condition: () => galaxy.slots.some((s) => s.result?.status === 'ran'), field: (ms: number) => formatMs(galaxy.ms ?? ms) } },
    task: (_ctx, task) => {
      galaxy.handle = task;
      retitleGalaxy(galaxy);
      return task.newListr(galaxy.slots.map(slotTask), { concurrent: true, exitOnError: false });
    },
  };
}

function slotTask(slot: Slot): ListrTask<object, typeof TerminalRenderer> {
  return {
    title: slot.title,
    // Drawn (as waiting) from the start, so a galaxy shows the stages it has left.
    enabled: gate(true, slot.started.promise),
    rendererOptions: { timer: { ...PRESET_TIMER, condition: () => slot.result?.status === 'ran', field: () => formatMs(slot.result?.ms ?? 0) } },
    task: async (_ctx, task) => {
      slot.handle = task;
      if (slot.iteration !== undefined) task.title = `${slot.title} — round ${slot.iteration}`;
      const r = await slot.ended.promise;
      const rounds = slot.iteration !== undefined ? ` — ${slot.iteration} round${slot.iteration === 1 ? '' : 's'}` : '';
      switch (r.status) {
        case 'ran':
          task.title = `${slot.title}${rounds}`;
          return;
        case 'cached':
          task.title = `${slot.title} (cached)`;
          return;
        case 'skipped':
          // The reason once, where the stage decided it; the galaxy's line repeats it.
          task.skip(slot.began ? `${slot.title} — skipped: ${r.skipReason ?? ''}` : `${slot.title} — skipped`);
          return;
        case 'upstream-failed':
          // The root cause by name (its own line, perhaps in another galaxy's view, says why).
          task.skip(`${slot.title} — not run: ${r.failure?.reason === 'upstream-failed' ? `${r.failure.root} failed (${r.failure.cause.reason})` : 'an earlier stage failed'}`);
          return;
        case 'cancelled':
          task.skip(`${slot.title} — ${r.failure?.message ?? 'not run'}`);
          return;
        case 'failed':
          throw new Error(`${slot.title}${rounds}: ${r.failure ? describeFailure(r.failure) : 'failed'}`);
      }
    },
  };
}

/** The galaxy's line once all its instances ended: what it came to, in a word. */
function retitleGalaxy(galaxy: Galaxy): void {
  if (!galaxy.handle) return;
  const results = galaxy.slots.flatMap((s) => s.result ?? []);
  if (results.length < galaxy.slots.length) return;
  const count = (...statuses: string[]) => results.filter((r) => statuses.includes(r.status)).length;
  const failed = count('failed');
  const skipped = results.find((r) => r.status === 'skipped');
  const cached = count('cached');
  let title = galaxy.title;
  if (failed) title += ` — ${failed} failed`;
  else if (count('upstream-failed', 'cancelled')) title += ' — not finished';
  else if (skipped) title += ` — skipped: ${skipped.skipReason ?? ''}`;
  else if (cached === results.length) title += ' (cached)';
  else if (cached) title += ` (${cached} of ${results.length} cached)`;
  galaxy.handle.title = title;
}

/**
 * How a failure reads for a person, and the exit status it gives a command it stops: one
 * exhaustive switch over every reason (src/errors.ts), so a new reason is a compile error
 * here until it is decided how it reads. The plain log, the live view, `--json` and the
 * command line all render failures through this.
 */
import type { Failure } from '../errors.ts';

/** How a failure reads and how it ends a command that it stops. */
interface Rendered {
  readonly text: string;
  /** 2: the run as asked cannot start (fix the options, pipeline.yaml, the catalog, the build); 1: anything else. */
  readonly status: 1 | 2;
}

/** One line for a person: what went wrong and, when known, what to do (in parentheses). */
export function describeFailure(f: Failure): string {
  return render(f).text;
}

/** The exit status of a command that `f` stopped before it could run (or finish). */
export function exitStatusOf(f: Failure): 1 | 2 {
  return render(f).status;
}

/** The stack of a failure that has one (a bug in a stage), for --verbose. */
export function stackOf(f: Failure | undefined): string | undefined {
  return f?.reason === 'stage-threw' ? f.stack : undefined;
}

function render(f: Failure): Rendered {
  const said = f.hint ? `${f.message} (${f.hint})` : f.message;
  switch (f.reason) {
    // The run as asked: nothing ran.
    case 'usage':
    case 'pipeline-invalid':
    case 'catalog-invalid':
    case 'unknown-galaxy':
    case 'empty-selection':
    case 'stale-build':
      return { text: said, status: 2 };
    // One galaxy's input, its clustering, a command, a FITS or WCS problem, the machine, Slurm.
    case 'missing-input':
    case 'bad-input':
    case 'missing-seeing':
    case 'psf-too-wide':
    case 'not-ngist':
    case 'ngist-mismatch':
    case 'ngist-no-grid':
    case 'example-dir-occupied':
    case 'no-valid-pixels':
    case 'no-groups':
    case 'invalid-weights':
    case 'k-too-large':
    case 'too-many-pixels':
    case 'stage-failed':
    case 'output-collision':
    case 'not-run':
    case 'slurm-submit':
    case 'not-fits':
    case 'truncated':
    case 'no-end-card':
    case 'bad-checksum':
    case 'bad-bitpix':
    case 'no-such-hdu':
    case 'compressed':
    case 'size-mismatch':
    case 'bad-header':
    case 'not-image':
    case 'not-table':
    case 'no-such-column':
    case 'write-failed':
    case 'missing-key':
    case 'bad-value':
    case 'not-celestial':
    case 'unsupported-projection':
    case 'sip-distortion':
    case 'unsupported-frame':
    case 'unsupported-unit':
    case 'coupled-axes':
    case 'singular-matrix':
    case 'disk-full':
    case 'read-only':
    case 'permission-denied':
    case 'too-many-files':
    case 'bad-path':
    case 'io-error':
    case 'slurm-timeout':
    case 'slurm-out-of-memory':
    case 'slurm-cancelled':
    case 'slurm-node-fail':
    case 'slurm-boot-fail':
    case 'slurm-preempted':
    case 'slurm-deadline':
    case 'slurm-failed':
    case 'slurm-unknown':
    case 'slurm-record-missing':
    case 'slurm-task-missing':
      return { text: said, status: 1 };
    // A bug in a stage: its words (the stack goes to the run record and --verbose).
    case 'stage-threw':
      return { text: said, status: 1 };
    // Not run for another instance's failure: that one, named, with its own words.
    case 'upstream-failed':
      return { text: `not run: ${f.root} failed: ${render(f.cause).text}`, status: 1 };
    case 'cancelled':
      return { text: f.message, status: 1 };
    default:
      return unreachable(f);
  }
}

function unreachable(f: never): never {
  throw new Error(`internal: a failure with no rendering: ${JSON.stringify(f)}`);
}

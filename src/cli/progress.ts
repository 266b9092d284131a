/**
 * Progress bars with ETA on stderr, one per phase (calibration, sensitivity, search). Off when
 * stderr is not a terminal (logs and pipes stay clean) or with --quiet.
 */
import cliProgress from 'cli-progress';
import type { ProgressEvent } from '../api/config.js';

/** Where bars go: a terminal stream, or undefined for none. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean };

const UNITS: Readonly<Record<ProgressEvent['phase'], string>> = {
  calibration: 'samples',
  sensitivity: 'layers',
  search: 'trials',
  evaluation: 'runs',
};

export class ProgressReporter {
  private bar: cliProgress.SingleBar | undefined;
  private phase: string | undefined;
  private readonly pending: string[] = [];

  /** `stream` undefined (or not a TTY) gives a reporter that prints nothing. */
  constructor(
    private readonly stream: ProgressStream | undefined,
    private readonly printLine: (text: string) => void,
  ) {}

  get enabled(): boolean {
    return this.stream?.isTTY === true;
  }

  readonly update = (event: ProgressEvent): void => {
    if (!this.enabled) return;
    if (event.phase !== this.phase) this.start(event);
    const payload = { detail: event.detail ? shortDetail(event.detail) : '' };
    if (event.total !== undefined && this.bar && this.bar.getTotal() !== event.total) this.bar.setTotal(event.total);
    this.bar?.update(event.done, payload);
  };

  /** Warnings that arrive while a bar is drawn wait until it is done, so lines do not interleave. */
  warn(text: string): void {
    if (this.bar) this.pending.push(text);
    else this.printLine(text);
  }

  /** Finishes the current bar (call before printing results or an error). */
  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.phase = undefined;
    for (const line of this.pending.splice(0)) this.printLine(line);
  }

  private start(event: ProgressEvent): void {
    this.bar?.stop();
    this.phase = event.phase;
    const label = event.phase.padEnd(11);
    const unit = UNITS[event.phase];
    // The search does not know its trial count in advance: show a counter, not a made-up ETA.
    const format =
      event.total === undefined
        ? `${label} | {value} ${unit} | {duration_formatted} elapsed`
        : `${label} |{bar}| {value}/{total} ${unit} | ETA {eta_formatted} | {detail}`;
    this.bar = new cliProgress.SingleBar(
      { stream: this.stream!, format, hideCursor: true, barsize: 28, etaBuffer: 16, fps: 8, clearOnComplete: false, linewrap: false },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(event.total ?? 0, 0, { detail: '' });
  }
}

function shortDetail(detail: string): string {
  return detail.length <= 36 ? detail : `…${detail.slice(-35)}`;
}

/**
 * Runs a command body with a progress reporter that honours --quiet, and always takes the bars
 * down (also when the body throws), so an error line is never drawn over a bar.
 */
export async function withProgress<T>(io: { progress?: ProgressStream; err: (text: string) => void }, quiet: boolean | undefined, body: (reporter: ProgressReporter) => Promise<T>): Promise<T> {
  const reporter = new ProgressReporter(quiet ? undefined : io.progress, (t) => io.err(t));
  try {
    return await body(reporter);
  } finally {
    reporter.stop();
  }
}

/**
 * Centred moving average over a fixed TIME window (±HALF_WINDOW_MS), streamed: a frame is
 * released once frames HALF_WINDOW_MS after it have arrived (or on flush). Defining the window
 * in time, not frames, is what keeps a repetition's bottom at 5 fps: frames 200 ms apart fall
 * outside each other's window, so sparse samples pass through unchanged, while 30 fps noise is
 * averaged over about 7 frames (a 2 s repetition loses well under 0.1° at its extreme).
 */
export const HALF_WINDOW_MS = 100;

type Entry = { t: number; v: Float64Array };

export class TimeSmoother {
  private buf: Entry[] = [];
  /** Index in buf of the next frame to release. */
  private next = 0;
  constructor(private readonly width: number) {}

  /** Adds a frame; calls `emit` for every frame whose window is now complete. */
  push(t: number, v: Float64Array, emit: (t: number, smoothed: Float64Array) => void): void {
    this.buf.push({ t, v });
    while (this.next < this.buf.length && this.buf[this.next]!.t + HALF_WINDOW_MS < t) {
      this.release(emit);
    }
  }

  /** Releases every pending frame (the window is cut at the end of the data). */
  flush(emit: (t: number, smoothed: Float64Array) => void): void {
    while (this.next < this.buf.length) this.release(emit);
  }

  /** The pending frames (times and raw channels) and the release cursor, for a snapshot. */
  snapshot(): { buf: { t: number; v: number[] }[]; next: number } {
    return { buf: this.buf.map((e) => ({ t: e.t, v: Array.from(e.v) })), next: this.next };
  }

  static restore(width: number, snap: ReturnType<TimeSmoother["snapshot"]>): TimeSmoother {
    const c = new TimeSmoother(width);
    c.buf = snap.buf.map((e) => ({ t: e.t, v: Float64Array.from(e.v) }));
    c.next = snap.next;
    return c;
  }

  clone(): TimeSmoother {
    const c = new TimeSmoother(this.width);
    c.buf = this.buf.slice();
    c.next = this.next;
    return c;
  }

  private release(emit: (t: number, smoothed: Float64Array) => void): void {
    const centre = this.buf[this.next]!;
    // Drop frames that can no longer be inside any later window (times only increase).
    let drop = 0;
    while (this.buf[drop]!.t < centre.t - HALF_WINDOW_MS) drop++;
    if (drop > 0) {
      this.buf.splice(0, drop);
      this.next -= drop;
    }
    const out = new Float64Array(this.width);
    for (let c = 0; c < this.width; c++) {
      let sum = 0;
      let n = 0;
      for (let i = 0; i < this.buf.length; i++) {
        const e = this.buf[i]!;
        if (e.t > centre.t + HALF_WINDOW_MS) break;
        const x = e.v[c]!;
        if (!Number.isNaN(x)) {
          sum += x;
          n++;
        }
      }
      // A channel unseen in the centre frame stays unseen: smoothing never invents a value.
      out[c] = Number.isNaN(centre.v[c]!) || n === 0 ? NaN : sum / n;
    }
    this.next++;
    emit(centre.t, out);
  }
}

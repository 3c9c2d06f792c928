// The live board: hands every snapshot to every panel through that panel's render gate (at most
// one render a second, none when its slice did not change). The board root carries the newest
// snapshot's sequence number, time and range (data-seq, data-at, data-from, data-to, data-minutes,
// data-campaign); each panel root carries the sequence number of the snapshot it shows, so a reader
// knows when the screen is consistent (every panel's data-seq equals the board's). A panel whose
// render throws (a new snapshot shape) shows an error and leaves the others alone.

import { h } from "./dom.ts";
import type { Panel } from "./panel-frame.ts";
import { RenderGate, type GateClock } from "./render-gate.ts";
import type { Snapshot } from "./snapshot.ts";

export const PANEL_RENDER_MIN_MS = 1000;

export class Board {
  private readonly gates: RenderGate[];
  private seq = 0;

  constructor(private readonly root: HTMLElement, private readonly panels: readonly Panel[], clock: GateClock) {
    this.gates = panels.map(() => new RenderGate(PANEL_RENDER_MIN_MS, clock));
  }

  show(s: Snapshot): void {
    const seq = ++this.seq;
    const d = this.root.dataset;
    Object.assign(d, { seq: String(seq), at: String(s.at), from: String(s.range.from), to: String(s.range.to), minutes: String(s.range.minutes), campaign: s.campaign ?? "" });
    this.panels.forEach((p, i) => {
      const outcome = this.gates[i]!.offer(JSON.stringify(p.slice(s)), () => {
        try {
          p.render(s);
        } catch (e) {
          console.error(`panel ${p.name}:`, e);
          p.root.dataset.state = "error";
          p.root.querySelector(".table-wrap, .figures")?.replaceChildren(h("p", { class: "empty" }, `This panel could not draw the data: ${(e as Error).message}`));
        }
        p.root.dataset.seq = String(seq);
      });
      if (outcome === "unchanged") p.root.dataset.seq = String(seq);
    });
  }

  /** The user chose another view: its first snapshot renders at once. */
  resetGates(): void {
    for (const g of this.gates) g.reset();
  }
}

// What every panel is to the page: a name, the slice of the snapshot it shows (an unchanged slice
// skips the render), and a render that updates the panel's <article> in place. The frame finds a
// panel's parts in the HTML skeleton (index.html: data-panel, .chart, .figures, .table-wrap) and
// keeps its state attribute: loading until the first render, then ready, empty or not-configured.

import type { Snapshot } from "./snapshot.ts";

export interface Panel {
  readonly name: string;
  /** The element the board marks with data-seq (the snapshot last applied). */
  readonly root: HTMLElement;
  /** The part of the snapshot this panel draws; compared as JSON between snapshots. */
  slice(s: Snapshot): unknown;
  render(s: Snapshot): void;
}

export interface PanelParts {
  readonly root: HTMLElement;
  readonly chart: HTMLElement | null;
  readonly figures: HTMLElement | null;
  readonly table: HTMLElement | null;
}

export type PanelState = "loading" | "ready" | "empty" | "not-configured";

export function panelParts(name: string, doc: Document = document): PanelParts {
  const root = doc.querySelector<HTMLElement>(`[data-panel="${name}"]`);
  if (root === null) throw new Error(`panel ${name} is missing from index.html`);
  root.dataset.state = "loading";
  return {
    root,
    chart: root.querySelector<HTMLElement>(".chart"),
    figures: root.querySelector<HTMLElement>(".figures"),
    table: root.querySelector<HTMLElement>(".table-wrap"),
  };
}

export function setPanelState(p: PanelParts, state: PanelState): void {
  p.root.dataset.state = state;
}

/** The chart's accessible name: its figures in one sentence, since the canvas itself says nothing. */
export function describeChart(p: PanelParts, text: string): void {
  p.chart?.setAttribute("aria-label", text);
}

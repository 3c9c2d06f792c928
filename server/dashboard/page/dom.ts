// DOM building for the panels: an element helper, a figures list and a table whose cells carry
// their exact values. Invariant: every number shown as text also sits unformatted in the
// data-value attribute of its element (null as "null"), so tests and scripts read what is drawn
// without parsing localized text. Units go in the visible label, never only in a tooltip.

export type Attrs = Record<string, string | number | boolean | null | undefined>;
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = String(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

export function dataValue(v: number | string | null | undefined): string {
  return v === null || v === undefined ? "null" : String(v);
}

export interface Figure {
  readonly id: string;
  readonly label: string;
  readonly value: number | string | null;
  readonly text: string;
  readonly unit?: string;
}

/** Replaces a <dl>'s figures: <div data-figure data-value><dt>label</dt><dd>text unit</dd></div>. */
export function renderFigures(dl: HTMLElement, figures: readonly Figure[]): void {
  dl.replaceChildren(...figures.map((f) => h("div", { "data-figure": f.id, "data-value": dataValue(f.value) },
    h("dt", {}, f.label), h("dd", {}, f.text, f.unit ? h("span", { class: "unit-inline" }, ` ${f.unit}`) : null))));
}

export interface Column<R> {
  readonly key: string;
  /** Header text, unit included: "Revenue", "ROAS (×)". */
  readonly label: string;
  readonly numeric?: boolean;
  readonly value: (r: R) => number | string | null;
  /** Shown text (default: the value as is). */
  readonly text?: (r: R) => string | Node;
  /** More data-* attributes for the cell (figures shown inside it, e.g. a rule's metric). */
  readonly data?: (r: R) => Record<string, string>;
}

/** Replaces the table in `wrap`: one row per item keyed by data-key, cells by data-col. */
export function renderTable<R>(wrap: HTMLElement, columns: readonly Column<R>[], rows: readonly R[], rowKey: (r: R) => string, caption: string, empty: string): void {
  if (rows.length === 0) {
    wrap.replaceChildren(h("p", { class: "empty", "data-empty": "true" }, empty));
    return;
  }
  const head = h("tr", {}, ...columns.map((c) => h("th", { scope: "col", class: c.numeric ? "num" : undefined }, c.label)));
  const body = rows.map((r) => h("tr", { "data-key": rowKey(r) }, ...columns.map((c) => {
    const v = c.value(r);
    const extra = c.data ? Object.fromEntries(Object.entries(c.data(r)).map(([k, x]) => [`data-${k}`, x])) : {};
    return h("td", { "data-col": c.key, "data-value": dataValue(v), class: c.numeric ? "num" : undefined, ...extra }, c.text ? c.text(r) : v === null ? "—" : String(v));
  })));
  wrap.replaceChildren(h("table", { "data-rows": rows.length }, h("caption", { class: "sr-only" }, caption), h("thead", {}, head), h("tbody", {}, ...body)));
}

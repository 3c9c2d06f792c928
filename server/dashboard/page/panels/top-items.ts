// Top items: the ten items with the most views over the range, with carts, purchases and revenue.

import { renderTable, type Column } from "../dom.ts";
import { fmtInt, fmtMoney, fmtRange } from "../format.ts";
import { panelParts, setPanelState, type Panel } from "../panel-frame.ts";
import type { ItemRow, Snapshot } from "../snapshot.ts";

const COLUMNS: Column<ItemRow>[] = [
  { key: "item_id", label: "Item", value: (r) => r.item_id },
  { key: "views", label: "Views", numeric: true, value: (r) => r.views, text: (r) => fmtInt(r.views) },
  { key: "carts", label: "Carts", numeric: true, value: (r) => r.carts, text: (r) => fmtInt(r.carts) },
  { key: "purchases", label: "Purch.", numeric: true, value: (r) => r.purchases, text: (r) => fmtInt(r.purchases) },
  { key: "revenue", label: "Revenue", numeric: true, value: (r) => r.revenue, text: (r) => fmtMoney(r.revenue) },
];

export function topItemsPanel(): Panel {
  const p = panelParts("top-items");
  return {
    name: "top-items",
    root: p.root,
    slice: (s) => s.top_items,
    render(s: Snapshot) {
      renderTable(p.table!, COLUMNS, s.top_items, (r) => r.item_id, `Top items by views, ${fmtRange(s.range.minutes)}`, "No item events in this range.");
      setPanelState(p, s.top_items.length === 0 ? "empty" : "ready");
    },
  };
}

// The two views (live board, SQL console) as ARIA tabs: Enter or Space on a tab (they are buttons)
// or Left/Right/Home/End between them switches; both tabs stay in the Tab order, so the console is
// one Tab away for keyboard users. The live WebSocket keeps running while the console is shown.

export function initTabs(tabs: readonly HTMLButtonElement[], onShow: (panelId: string) => void): (panelId: string) => void {
  const show = (id: string) => {
    for (const t of tabs) {
      const on = t.getAttribute("aria-controls") === id;
      t.setAttribute("aria-selected", String(on));
      document.getElementById(t.getAttribute("aria-controls")!)!.hidden = !on;
    }
    onShow(id);
  };
  tabs.forEach((t, i) => {
    t.addEventListener("click", () => show(t.getAttribute("aria-controls")!));
    t.addEventListener("keydown", (e) => {
      const to = e.key === "ArrowRight" ? (i + 1) % tabs.length : e.key === "ArrowLeft" ? (i - 1 + tabs.length) % tabs.length
        : e.key === "Home" ? 0 : e.key === "End" ? tabs.length - 1 : -1;
      if (to < 0) return;
      e.preventDefault();
      tabs[to]!.focus();
      show(tabs[to]!.getAttribute("aria-controls")!);
    });
  });
  return show;
}

// Asks for an API key (query role) in a modal <dialog>: shown when the server answers 401/403,
// with the server's message; saving stores the key (api-client.ts) and resolves. "Forget" removes
// a stored key. Escape closes the dialog without a key (the page then waits, showing "key needed";
// the header's "API key" button opens it again).

import type { ApiClient } from "./api-client.ts";

export function keyDialog(dialog: HTMLDialogElement, api: ApiClient): (message: string) => Promise<boolean> {
  const form = dialog.querySelector("form")!;
  const input = dialog.querySelector<HTMLInputElement>("#key-input")!;
  const text = dialog.querySelector<HTMLElement>("#key-message")!;
  const forget = dialog.querySelector<HTMLButtonElement>("#key-forget")!;
  const intro = text.innerHTML;
  forget.addEventListener("click", () => { api.setKey(null); input.value = ""; input.focus(); });
  return (message: string) => new Promise<boolean>((resolve) => {
    text.innerHTML = intro;
    if (message) text.append(document.createElement("br"), `The server said: ${message}`);
    input.value = "";
    const done = () => {
      form.removeEventListener("submit", submit);
      dialog.removeEventListener("close", closed);
    };
    const submit = (e: SubmitEvent) => {
      const key = input.value.trim();
      if (key === "") { e.preventDefault(); return; }
      api.setKey(key);
      done();
      resolve(true);
    };
    const closed = () => { done(); resolve(false); };
    form.addEventListener("submit", submit);
    dialog.addEventListener("close", closed);
    if (!dialog.open) dialog.showModal();
    input.focus();
  });
}

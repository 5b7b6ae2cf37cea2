// Home monitoring pages: the forms post to the JSON API with the console's CSRF token, then the page reloads.
"use strict";

function formBody(form) {
  const data = Object.fromEntries(new FormData(form).entries());
  const kind = form.dataset.kind;
  if (kind === "note") return { text: data.text };
  if (kind === "threshold") {
    return { measure: data.measure, side: data.side, value: data.value === "" ? null : Number(data.value) };
  }
  if (kind === "schedule") {
    const medications = data.medicine ? [{ name: data.medicine, dose: data.dose || "",
      times: String(data.times || "").split(/[,，\s]+/).filter(Boolean) }] : [];
    return { morning: data.morning || null, evening: data.evening || null, medications };
  }
  return undefined;
}

document.addEventListener("DOMContentLoaded", async () => {
  try { await Console.signedIn(); } catch (e) { return; }
  for (const form of document.querySelectorAll("form[data-api]")) {
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const method = form.dataset.kind === "threshold" || form.dataset.kind === "schedule" ? "PUT" : "POST";
      try {
        await Console.api(method, form.dataset.api, formBody(form));
        window.location.reload();
      } catch (error) {
        Console.toast(error.detail || error.message);
      }
    });
  }
});

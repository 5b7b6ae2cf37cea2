// Upload a laboratory/examination report for a patient: POST /api/console/reports (doctors, administrators).
"use strict";

const FIELDS = [
  ["name", "text", 64], ["value", "number", 0], ["unit", "text", 32], ["low", "number", 0],
  ["high", "number", 0], ["text", "text", 64], ["reference_text", "text", 64],
];

function addResult() {
  const row = Console.el("tr", { class: "result" });
  for (const [name, type, max] of FIELDS) {
    const input = Console.el("input", { type, "data-field": name });
    if (type === "number") input.step = "any";
    if (max) input.maxLength = max;
    row.append(Console.el("td", {}, input));
  }
  const remove = Console.el("button", { type: "button", textContent: "删除" });
  remove.addEventListener("click", () => row.remove());
  row.append(Console.el("td", {}, remove));
  document.querySelector("#results-table tbody").append(row);
}

function collect() {
  // Typed as "2026-12-05 10:30" (24-hour, whatever the browser's locale; a datetime-local field showed AM/PM),
  // in the hospital's time zone (the page's shared head), not the browser's.
  const typed = document.getElementById("report-issued").value.trim();
  const issued = typed ? (Console.hospitalIso(typed) || typed) : "";
  const observations = [...document.querySelectorAll("#results-table tr.result")].map((row) => {
    const result = {};
    for (const input of row.querySelectorAll("input[data-field]")) {
      const field = input.getAttribute("data-field");
      if (input.type === "number") result[field] = input.value === "" ? null : Number(input.value);
      else result[field] = input.value.trim();
    }
    return result;
  }).filter((r) => r.name);
  return {
    id_number: document.getElementById("report-id-number").value.trim(),
    title: document.getElementById("report-title").value.trim(),
    issued, observations,
  };
}

async function upload(event) {
  event.preventDefault();
  const error = document.getElementById("report-error");
  const done = document.getElementById("report-done");
  error.hidden = true;
  done.hidden = true;
  try {
    const stored = await Console.api("POST", "/api/console/reports", collect());
    done.textContent = `已上传：报告 ${stored.id}，${stored.results} 项结果，患者 ${stored.patient}`;
    done.hidden = false;
    document.getElementById("report-form").reset();
    document.querySelector("#results-table tbody").replaceChildren();
    addResult();
  } catch (e) {
    error.textContent = e.message + (e.detail ? "：" + e.detail : "");
    error.hidden = false;
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  try {
    const staff = await Console.signedIn();
    document.getElementById("me").textContent = staff.display_name || staff.username;
  } catch (e) {
    return;  // not signed in: Console.api has gone to the sign-in page
  }
  addResult();
  document.getElementById("add-result").addEventListener("click", addResult);
  document.getElementById("report-form").addEventListener("submit", upload);
});

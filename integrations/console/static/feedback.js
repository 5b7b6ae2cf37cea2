// Complaints and suggestions for administrators: the list from /api/console/admin/feedback.
"use strict";

const kinds = { complaint: "投诉", suggestion: "建议", praise: "表扬", other: "其他" };

async function showFeedback() {
  const body = document.querySelector("#feedback-table tbody");
  try {
    const items = await Console.api("GET", "/api/console/admin/feedback");
    body.replaceChildren(...items.map((item) => {
      const row = document.createElement("tr");
      for (const value of [item.reference, kinds[item.kind] || item.kind, item.channel,
        Console.dateTime(item.created_at), item.text]) {
        const cell = document.createElement("td");
        cell.textContent = value;  // patients' words: text, never HTML
        row.append(cell);
      }
      return row;
    }));
  } catch (error) {
    const shown = document.getElementById("feedback-error");
    shown.textContent = error.message;
    shown.hidden = false;
  }
}

document.addEventListener("DOMContentLoaded", showFeedback);

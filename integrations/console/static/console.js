// The doctor's workbench: live queue, intake summary, chat, transfer, invite and close.
// Every word shown for a code or value comes from the API (integrations/console/presenters.py).
"use strict";

const state = { me: null, selected: null, view: null, queue: [], departments: [], doctors: [], unread: new Set(), invited: new Map() };
const $ = (id) => document.getElementById(id);
const el = Console.el;
const QUEUE_REFRESH_MS = 30000; // waiting times move on even when nothing else happens
const NARROW = window.matchMedia("(max-width: 899px)");

function speaker(from) {
  if (from === "patient") return state.view ? state.view.patient.display_name : "患者";
  if (from === "bot") return "智能助手";
  if (from.startsWith("doctor:") || from.startsWith("pharmacist:")) {
    const id = Number(from.split(":")[1]);
    const doctor = state.doctors.find((d) => d.id === id);
    return doctor ? doctor.display_name + (id === state.me.id ? "（我）" : "") : "医生";
  }
  return "系统";
}

function departmentName(code) {
  const found = state.departments.find((d) => d.code === code);
  return found ? found.name : code;
}

function doctorName(id) {
  const doctor = state.doctors.find((d) => d.id === id);
  return doctor ? doctor.display_name + " " + doctor.title : "医生";
}

function levelBadge(level, label) {
  return el("span", { class: "level level-" + (level || "none") }, label);
}

function patientLine(p) {
  return [p.sex, p.age].join(" · ");
}

// ---- tabs (one column below 900 px) ---------------------------------------------------------

function setTab(name) {
  $("layout").dataset.tab = name;
  for (const tab of document.querySelectorAll(".tabs [role=tab]")) {
    tab.setAttribute("aria-selected", String(tab.dataset.tab === name));
  }
  if (name === "chat") {
    $("tab-chat-unread").hidden = true;
    $("chat").scrollTop = $("chat").scrollHeight;
  }
}

// ---- the queue and my sessions --------------------------------------------------------------

function selectedClass(id) {
  return state.selected && state.selected.id === id ? " selected" : "";
}

function markSelected() {
  for (const item of document.querySelectorAll(".queue-item, .active-item")) {
    item.classList.toggle("selected", Boolean(state.selected) && item.dataset.id === state.selected.id);
  }
}

function queueItem(entry) {
  const p = entry.patient;
  const item = el("li", { class: "queue-item edge-" + (p.level || "none") + selectedClass(entry.id), "data-id": entry.id },
    el("div", { class: "qi-head" }, levelBadge(p.level, p.level_label),
      el("strong", { class: "patient-name" }, p.display_name),
      el("span", { class: "patient-who" }, patientLine(p))),
    el("div", { class: "complaint" }, p.complaint),
    el("div", { class: "muted qi-meta" },
      entry.department_name, " · 第", entry.position, "位 · ", el("span", { class: "waited" }, p.waited),
      entry.status === "transferred" ? el("span", { class: "tag transfer" }, "转诊") : null),
    el("button", { type: "button", class: "accept-button", onclick: (e) => { e.stopPropagation(); accept(entry.id); } }, "接诊"));
  item.addEventListener("click", () => select(entry.id));
  return item;
}

function activeItem(c) {
  const p = c.patient;
  const item = el("li", { class: "active-item edge-" + (p.level || "none") + (state.unread.has(c.id) ? " unread" : "") + selectedClass(c.id),
    "data-id": c.id },
    el("div", { class: "qi-head" }, levelBadge(p.level, p.level_label),
      el("strong", { class: "patient-name" }, p.display_name), el("span", { class: "patient-who" }, patientLine(p))),
    el("div", { class: "muted" }, c.department_name, " · 接诊于 ", Console.time(c.accepted_at),
      c.doctor_id !== state.me.id ? " · 会诊" : ""));
  item.addEventListener("click", () => select(c.id));
  return item;
}

async function loadLists() {
  const [queue, active] = await Promise.all([
    Console.api("GET", "/api/console/queue"),
    Console.api("GET", "/api/console/consultations?scope=active"),
  ]);
  state.queue = queue;
  $("queue").replaceChildren(...queue.map(queueItem));
  $("queue-count").textContent = String(queue.length);
  $("tab-queue-count").textContent = String(queue.length);
  $("queue-empty").hidden = queue.length > 0;
  const mine = active.filter((c) => !Invitations.declined(c.id));
  $("active").replaceChildren(...mine.map(activeItem));
  $("active-empty").hidden = mine.length > 0;
  Invitations.sync(mine);
}

// ---- the detail: header, transfer note, intake ----------------------------------------------

function newMark(fact) {
  // A space before the badge: read or copied as text, "不确定 新", never "不确定新".
  return fact.new ? [" ", el("span", { class: "new", title: "问诊中新补充" }, "新"),
    fact.before ? el("span", { class: "before" }, "（原为", fact.before, "）") : null] : [];
}

function factRows(facts) {
  return facts.flatMap((f) => [
    el("dt", {}, f.label),
    el("dd", { class: (f.abnormal ? "abnormal" : "") + (f.new ? " is-new" : "") }, f.value, f.abnormal ? (f.low ? " ↓异常" : " ↑异常") : "", ...newMark(f)),
  ]);
}

function tags(items, cls) {
  // A tag's value, when it has one, is the patient's own words beside the name (对乙酰氨基酚 泰诺林两片).
  return items.map((i) => el("span", { class: "tag " + cls + (i.new ? " is-new" : "") }, i.label,
    i.value ? el("span", { class: "typed" }, "（" + i.value + "）") : null, ...newMark(i)));
}

function none(node, text) {
  if (!node.childElementCount) node.replaceChildren(el("span", { class: "muted" }, text));
}

// Handover notes (交班留言) left about this patient by the doctors before: newest first, with who and when.
function renderHandover(notes) {
  $("handover-notes").hidden = !notes.length;
  $("handover-list").replaceChildren(...notes.map((n) => el("li", { class: "handover" },
    el("p", { class: "muted" }, (n.mine ? "我" : n.by) + " · " + Console.dateTime(n.at)),
    el("blockquote", {}, n.text))));
}

function renderView(c, view) {
  state.view = view;
  $("prescribe-link").href = "/console/prescriptions?consultation=" + encodeURIComponent(c.id);
  const p = view.patient;
  $("detail-title").textContent = p.display_name;
  $("detail-level").className = "level level-" + (p.level || "none");
  $("detail-level").textContent = p.level_label;
  $("detail-meta").textContent = [patientLine(p), p.complaint, c.department_name].join(" · ");
  $("chat-title").textContent = p.display_name;
  $("chat-level").hidden = false;
  $("chat-level").className = "level level-" + (p.level || "none");
  $("chat-level").textContent = p.level_label;

  const note = view.transfer;
  $("transfer-note").hidden = !note;
  if (note) {
    $("transfer-from").textContent = "由 " + note.by + " 转至" + (note.to ? " " + note.to : note.department_name)
      + "（" + Console.time(note.at) + "）";
    $("transfer-text").textContent = note.note || "（未填写说明）";
  }

  const triage = view.triage;
  $("intake-triage").replaceChildren(triage
    ? el("div", { class: "triage" + (triage.new ? " is-new" : "") },
        levelBadge(triage.level, triage.level_label), triage.new ? " " : null, triage.new ? el("span", { class: "new" }, "新") : null,
        el("ul", { class: "reasons" }, ...triage.reasons.map((r) => el("li", {}, r))))
    // No triage decision, but the consultation has a level (the one it was queued with): say where it
    // comes from instead of "尚未分诊" beside a "尽快就医" badge.
    : p.level ? el("div", { class: "triage" }, levelBadge(p.level, p.level_label),
        el("span", { class: "muted" }, " 转人工时记录的级别，未完成分诊问答"))
    : el("span", { class: "muted" }, "尚未分诊"));
  $("intake-facts").replaceChildren(
    el("dt", {}, "性别"), el("dd", {}, p.sex), el("dt", {}, "年龄"), el("dd", {}, p.age),
    el("dt", {}, "主要不适"), el("dd", {}, p.complaint), ...factRows(view.facts));
  $("intake-vitals").replaceChildren(...factRows(view.vitals));
  none($("intake-vitals"), "未测量");
  $("intake-present").replaceChildren(...tags(view.symptoms_present, "present"));
  none($("intake-present"), "无");
  $("intake-absent").replaceChildren(...tags(view.symptoms_absent, "absent"));
  none($("intake-absent"), "无");
  $("intake-unknown").replaceChildren(...tags(view.symptoms_unknown, "unknown"));
  none($("intake-unknown"), "无");
  // console8: the intake's other questions, each with its answer in words; no heading over nothing (it read "问诊回答 无"
  // after many answers, which were shown elsewhere or not at all).
  $("intake-answers").replaceChildren(...factRows(view.answers));
  $("intake-answers").hidden = $("intake-answers-title").hidden = !view.answers.length;
  // console7: each history question says whether it was asked — 未询问 / 无 (the patient said none) / 不清楚 —
  // never "无" for a question the bot never put (the words are the server's: summary.yml `background`).
  const background = Object.fromEntries((view.background || []).map((b) => [b.name, b]));
  $("intake-background").replaceChildren(...(view.background || []).flatMap((b) => [
    el("dt", {}, b.label), el("dd", { class: "background-" + b.status }, b.text)]));
  none($("intake-background"), "未询问");
  $("intake-risks").replaceChildren(...tags(view.risk_factors, "risk"));
  none($("intake-risks"), background.conditions && background.conditions.status !== "present" ? "基础疾病" + background.conditions.text : "无");
  $("intake-medications").replaceChildren(...tags(view.medications, "medication"));
  none($("intake-medications"), view.no_medicine || (background.medications ? background.medications.text : "未询问"));
  $("intake-attachments").replaceChildren(...view.attachments.map((a) => a.href && a.kind === "image"
    ? el("a", { href: a.href, target: "_blank", rel: "noopener" }, el("img", { src: a.href, alt: "患者上传的图片", class: "thumb" }))
    : el("div", {}, a.kind === "image" ? "图片" : "文件", a.url ? "：" + a.url : "")));
  none($("intake-attachments"), "无");
}

function chatLine(line) {
  // console8: a system notice (已接诊, 已转诊, the closing the patient was sent) is centred and grey, without an
  // author: never shown as a line the doctor typed ("王芳（我）").
  if (line.notice || (line.from === "system" && !line.alert)) {
    return el("li", { class: "line notice" + (line.in_session === false ? " history" : "") },
      el("span", { class: "text" }, line.text || ""), el("span", { class: "notice-time" }, Console.time(line.at)));
  }
  const who = line.from === "patient" ? "patient" : line.from === "bot" || line.from === "system" ? "bot" : "doctor";
  return el("li", { class: "line " + who + (line.in_session === false ? " history" : "") + (line.alert ? " alert" : "") },
    el("span", { class: "who" }, speaker(line.from), " ", Console.time(line.at)),
    el("span", { class: "text" }, line.text || ""),
    ...(line.attachments || []).map((a) => el("span", { class: "muted" }, a.kind === "image" ? "［图片］" : "［文件］")));
}

function appendChat(line) {
  const chat = $("chat");
  chat.append(chatLine(line));
  chat.scrollTop = chat.scrollHeight;
  if (NARROW.matches && $("layout").dataset.tab !== "chat") $("tab-chat-unread").hidden = false;
}

async function fetchDetail(id) {
  return Console.api("GET", "/api/console/consultations/" + encodeURIComponent(id));
}

function showDetail(detail) {
  const c = detail.consultation;
  state.selected = c;
  state.unread.delete(c.id);
  $("placeholder").hidden = true;
  $("detail").hidden = false;
  $("detail").dataset.id = c.id;
  $("detail-status").textContent = detail.view.status_label;
  $("detail-status").dataset.status = c.status;
  const mine = c.status === "active" && c.participants.includes(state.me.id);
  $("accept").hidden = !["waiting", "transferred"].includes(c.status);
  $("composer").hidden = !mine;
  $("composer-hint").hidden = mine;
  $("session-actions").hidden = !(mine && c.doctor_id === state.me.id);
  renderView(c, detail.view);
  renderHandover(detail.handover || []);
  markSelected();
}

function showChat(detail) {
  $("chat").replaceChildren(...detail.messages.map(chatLine));
  $("chat").scrollTop = $("chat").scrollHeight;
}

async function select(id, tab) {
  const detail = await fetchDetail(id);
  // The view is kept before the chat is drawn: speaker names need the patient's display name.
  state.view = detail.view;
  showDetail(detail);
  showChat(detail);
  fillDoctorChoices();
  setTab(tab || "intake");
}

// A patient's message may carry a red flag or a new reading: the open intake follows it, the
// chat keeps its lines (they arrive over the stream), and the doctor stays where they are.
let refreshTimer = null;
let refreshChat = false;
function refreshSelected(withChat) {
  clearTimeout(refreshTimer);
  refreshChat = refreshChat || Boolean(withChat);
  refreshTimer = setTimeout(async () => {
    if (!state.selected) return;
    const chatToo = refreshChat;
    refreshChat = false;
    try {
      const detail = await fetchDetail(state.selected.id);
      showDetail(detail);
      if (chatToo) showChat(detail);
    } catch (e) { if (e.transferred) leaveSelected(e.detail); /* else shown on the next action */ }
  }, 150);
}

function fillDoctorChoices() {
  const others = state.doctors.filter((d) => d.id !== state.me.id);
  const option = (d) => el("option", { value: String(d.id) },
    d.display_name, " ", d.title, "（", d.departments.map(departmentName).join("、"), d.status === "online" ? "，在线" : "", "）");
  $("transfer-doctor").replaceChildren(el("option", { value: "" }, "（不指定）"), ...others.map(option));
  $("invite-doctor").replaceChildren(...others.map(option));
}

// console8: after a transfer (from this page, another tab or Telegram) the doctor who had the patient no longer sees
// them: the detail closes, the patient leaves the lists and a notice says to whom they went (never a silent 403).
function transferredWords(c) {
  if (c.assigned_to) {
    const doctor = state.doctors.find((d) => d.id === c.assigned_to);
    return "已转给" + (doctor ? doctor.display_name : "") + "医生";
  }
  return "已转至" + (c.department_name || departmentName(c.department));
}

function leaveSelected(words) {
  state.selected = null;
  state.view = null;
  $("detail").hidden = true;
  $("placeholder").hidden = false;
  $("chat").replaceChildren();
  $("chat-title").textContent = "对话";
  $("chat-level").hidden = true;
  $("composer").hidden = true;
  $("composer-hint").hidden = false;
  markSelected();
  Console.toast(words);
  loadLists();
}

async function run(action, doneText) {
  try {
    await action();
    if (doneText) Console.toast(doneText);
  } catch (e) {
    // A patient transferred away: the server says so in words; the page lets go of them.
    if (e.transferred) leaveSelected(e.detail);
    else Console.toast(e.message + (e.detail ? "：" + e.detail : ""));
    await loadLists();
  }
}

async function accept(id) {
  await run(async () => {
    await Console.api("POST", "/api/console/consultations/" + encodeURIComponent(id) + "/accept");
    await loadLists();
    await select(id, "chat");
  }, "已接诊");
}

// ---- invitations: visible until answered, also after a reload ----------------------------------

const Invitations = {
  key() { return "wenzhen.invitations." + state.me.id; },
  answers() {
    try { return JSON.parse(localStorage.getItem(Invitations.key()) || "{}"); } catch (e) { return {}; }
  },
  answer(id, how) {
    const all = Invitations.answers();
    all[id] = how;
    localStorage.setItem(Invitations.key(), JSON.stringify(all));
    state.invited.delete(id);
    const banner = document.querySelector('#invitations [data-id="' + CSS.escape(id) + '"]');
    if (banner) banner.remove();
  },
  declined(id) { return Invitations.answers()[id] === "declined"; },

  // An active session I take part in but do not lead, and have not answered, is an open invitation.
  sync(active) {
    const answers = Invitations.answers();
    const open = active.filter((c) => c.doctor_id !== state.me.id && !answers[c.id]);
    for (const c of open) {
      if (!document.querySelector('#invitations [data-id="' + CSS.escape(c.id) + '"]')) Invitations.show(c);
    }
    for (const banner of document.querySelectorAll("#invitations .invitation")) {
      if (!open.some((c) => c.id === banner.dataset.id)) banner.remove();
    }
  },

  show(c) {
    const p = c.patient;
    const by = state.invited.get(c.id) || doctorName(c.doctor_id);
    const banner = el("div", { class: "invitation", "data-id": c.id },
      el("div", { class: "invitation-text" }, el("strong", {}, by), " 邀请您会诊：",
        levelBadge(p.level, p.level_label), " ", el("strong", {}, p.display_name), "（", patientLine(p), " · ", p.complaint, "）"),
      el("div", { class: "invitation-actions" },
        el("button", { type: "button", class: "invitation-accept", onclick: () => {
          Invitations.answer(c.id, "accepted");
          select(c.id, "chat");
        } }, "接受并查看"),
        el("button", { type: "button", class: "invitation-decline secondary", onclick: () => {
          Invitations.answer(c.id, "declined");
          loadLists();
        } }, "拒绝")));
    $("invitations").append(banner);
  },
};

// ---- red flags -----------------------------------------------------------------------------

function showAlert(message) {
  // Outside a session the bot has told the patient to call 120 and the doctors on duty see it
  // happened; a patient waiting in my queue can be opened from the banner.
  const queued = message.consultation_id ? null : state.queue.find((e) => e.conversation_id === message.conversation_id);
  const consultationId = message.consultation_id || (queued && queued.id);
  // A kept alert (raised outside a session, maybe before I signed in) stays on every doctor's console
  // until one of us takes it: "我来处理" takes it, and the other consoles drop it (event alert_taken).
  // The answer names the patient's consultation to open (in a queue or in session, maybe since the banner came),
  // or says in words why there is none: never nothing (newcomer trial 9).
  const take = async () => {
    if (!message.alert_id) return null;
    try {
      return await Console.api("POST", "/api/console/alerts/" + message.alert_id + "/take");
    } catch (e) {
      Console.toast(e.message + (e.detail ? "：" + e.detail : ""));
      return null;
    }
  };
  // console7: a patient in no queue can be reached from the alert (联系患者 opens a consultation with them: the
  // patient is told the doctor joined; a colleague who was quicker is named instead), and 知道了 closes the
  // alert for every doctor (both audited on the server).
  const consult = async () => {
    try {
      const opened = await Console.api("POST", "/api/console/alerts/" + message.alert_id + "/consult");
      banner.remove();
      await loadLists();
      select(opened.consultation_id, "chat");
      Console.toast(opened.message);
    } catch (e) {
      Console.toast(e.detail || e.message);
      if (e.status === 409) {
        banner.remove();
        const detail = e.consultationId;
        if (detail) { await loadLists(); select(detail, "chat"); }
      }
    }
  };
  const dismiss = async () => {
    banner.remove();
    try { await Console.api("POST", "/api/console/alerts/" + message.alert_id + "/dismiss"); }
    catch (e) { Console.toast(e.message + (e.detail ? "：" + e.detail : "")); }
  };
  const extra = !consultationId && message.alert_id ? [
    el("button", { type: "button", class: "alert-consult", onclick: consult }, "联系患者"),
    el("button", { type: "button", class: "alert-dismiss", onclick: dismiss }, "知道了"),
  ] : [];
  const action = consultationId
    ? el("button", { type: "button", onclick: async () => { banner.remove(); await take(); select(consultationId, "intake"); } }, "查看")
    : el("button", { type: "button", class: "alert-take", onclick: async () => {
      banner.remove();
      const taken = await take();
      if (taken && taken.consultation_id) {
        await loadLists();
        select(taken.consultation_id, "intake");
        if (!taken.taken) Console.toast(taken.message);
      } else if (taken) Console.toast(taken.message);
    } }, message.alert_id ? "我来处理" : "知道了");
  const where = message.consultation_id ? "" : "（" + message.department_name + (queued ? "，排队中" : "，未在问诊中") + "，已提示患者拨打120，" + Console.dateTime(message.at) + "）";
  // One banner per patient (console7): keyed by the conversation whenever the alert names it, so an alert raised
  // before and after the patient queued (or corrected a fact) replaces the one before instead of piling up.
  const id = message.conversation_id || consultationId;
  const who = queued ? queued.patient.display_name + " "
    : state.selected && state.selected.id === message.consultation_id && state.view ? state.view.patient.display_name + " " : "";
  const banner = el("div", { class: "alert-banner", "data-id": id, "data-conversation": message.conversation_id || "" },
    el("span", { class: "alert-text" }, "⚠ 危急提示：", who, (message.alert.reasons || []).join("；") || "患者描述了危险症状",
      where, "（患者原话：", message.text, "）",
      message.update && message.update.text ? el("span", { class: "alert-update" }, " ", message.update.text) : null),
    action, ...extra);
  // One banner per patient: the newest red flag replaces the one before.
  for (const old of document.querySelectorAll("#alerts .alert-banner")) {
    if (old.dataset.id === id) old.remove();
  }
  $("alerts").prepend(banner);
  if (state.selected && state.selected.id === consultationId) {
    appendChat({ from: "system", text: "⚠ 红旗征象：" + (message.alert.reasons || []).join("；"), at: message.at, alert: true });
    refreshSelected();
  }
  loadLists();
}

function connect() {
  const source = new EventSource("/api/console/stream");
  source.addEventListener("ready", async () => {
    $("connection").textContent = "实时连接";
    $("connection").dataset.state = "ready";
    loadLists();
    // Emergencies raised before I signed in (or while disconnected) that no doctor has taken yet.
    for (const alert of await Console.api("GET", "/api/console/alerts")) showAlert(alert);
  });
  source.addEventListener("consultation", (event) => {
    const update = JSON.parse(event.data);
    loadLists();
    const c = update.consultation;
    if (state.selected && c.id === state.selected.id && c.status === "transferred" && state.selected.status === "active"
        && !c.participants.includes(state.me.id) && c.assigned_to !== state.me.id) {
      leaveSelected(transferredWords(c));
    } else if (state.selected && c.id === state.selected.id) refreshSelected();
  });
  source.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (state.selected && message.consultation_id === state.selected.id) {
      // A tapped button arrives as its payload, a sealed answer as ciphertext: the transcript (the
      // server's presenter) names the one in words and the other as a note, never the raw value.
      const raw = (message.text || "").trim();
      const tapped = message.from === "patient" && (raw.startsWith("/") || /^v\d+:[A-Za-z0-9_\-=]{16,}$/.test(raw));
      if (!tapped) appendChat(message);
      if (message.from === "patient") refreshSelected(tapped);
    } else { state.unread.add(message.consultation_id); loadLists(); }
  });
  source.addEventListener("alert", (event) => showAlert(JSON.parse(event.data)));
  // console7: an alert follows its conversation's latest triage: still an emergency (new reasons), or closed (the
  // patient corrected a fact and was triaged lower, or a colleague acknowledged it) — the banner says so in grey.
  source.addEventListener("alert_updated", (event) => {
    const update = JSON.parse(event.data);
    for (const old of document.querySelectorAll("#alerts .alert-banner")) {
      if (old.dataset.conversation !== update.conversation_id) continue;
      if (update.status === "open") {
        const words = old.querySelector(".alert-update") || old.querySelector(".alert-text").appendChild(el("span", { class: "alert-update" }));
        words.textContent = " " + update.update.text;
        continue;
      }
      const note = el("div", { class: "alert-banner alert-closed", "data-id": old.dataset.id, "data-conversation": update.conversation_id },
        el("span", { class: "alert-text" }, "ⓘ 急症提示已更新：", update.update.text, "（", Console.time(update.at), "）"),
        el("button", { type: "button", onclick: async () => {
          note.remove();
          try { await Console.api("POST", "/api/console/alerts/" + update.alert_id + "/dismiss"); } catch (e) { /* acknowledged locally */ }
        } }, "知道了"));
      old.replaceWith(note);
    }
  });
  source.addEventListener("alert_taken", (event) => {
    const taken = JSON.parse(event.data);
    for (const banner of document.querySelectorAll("#alerts .alert-banner")) {
      if (banner.dataset.conversation === taken.conversation_id) banner.remove();
    }
  });
  // A pharmacist rejected one of my prescriptions (docs/prescriptions.md): a banner to the prescriptions page.
  source.addEventListener("prescription_rejected", (event) => {
    const message = JSON.parse(event.data);
    const banner = el("div", { class: "alert-banner", "data-id": "rx:" + message.prescription_id },
      el("span", { class: "alert-text" }, "处方 ", message.prescription_id, "（", (message.medicines || []).join("、"),
        "）未通过药师审核：", message.pharmacist, "：", message.reason),
      el("a", { href: "/console/prescriptions" }, "去修改"),
      el("button", { type: "button", onclick: () => banner.remove() }, "知道了"));
    $("alerts").prepend(banner);
  });
  source.addEventListener("invited", (event) => {
    const message = JSON.parse(event.data);
    state.invited.set(message.consultation_id, message.by.name + " " + (message.by.title || ""));
    loadLists();
  });
  const lost = () => {
    $("connection").textContent = "连接中断，正在重连…";
    $("connection").dataset.state = "lost";
  };
  // The server is going away (a restart): it closes the stream after this; the browser reconnects.
  source.addEventListener("bye", lost);
  source.onerror = () => {
    lost();
    // A refused reconnect (an error status while the server restarts) ends EventSource's own retries.
    if (source.readyState === EventSource.CLOSED) setTimeout(connect, 2000);
  };
}

function selectedPath(suffix) {
  return "/api/console/consultations/" + encodeURIComponent(state.selected.id) + suffix;
}

async function loadQuickReplies() {
  const replies = await Console.api("GET", "/api/console/quick-replies");
  $("quick-replies").replaceChildren(...replies.map((r) => el("li", {},
    el("button", { type: "button", class: "quick-use", onclick: () => { $("message").value = r.text; $("message").focus(); } }, r.text),
    el("button", { type: "button", class: "quick-remove", title: "删除", onclick: () => run(async () => {
      await Console.api("DELETE", "/api/console/quick-replies/" + r.id);
      await loadQuickReplies();
    }) }, "×"))));
}

function wire() {
  for (const tab of document.querySelectorAll(".tabs [role=tab]")) {
    tab.addEventListener("click", () => setTab(tab.dataset.tab));
  }
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("message").value.trim();
    if (!text) return;
    run(async () => {
      await Console.api("POST", selectedPath("/messages"), { text });
      $("message").value = "";
    });
  });
  $("message").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.ctrlKey) $("composer").requestSubmit();
  });
  $("accept").addEventListener("click", () => accept(state.selected.id));
  $("quick-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("quick-text").value.trim();
    if (!text) return;
    run(async () => {
      await Console.api("POST", "/api/console/quick-replies", { text });
      $("quick-text").value = "";
      await loadQuickReplies();
    }, "已保存快捷回复");
  });
  $("transfer-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = { department: $("transfer-department").value || null, note: $("transfer-note-input").value };
    if ($("transfer-doctor").value) body.doctor_id = Number($("transfer-doctor").value);
    run(async () => {
      const moved = await Console.api("POST", selectedPath("/transfer"), body);
      $("transfer-form").reset();
      leaveSelected(transferredWords(moved));
    });
  });
  $("handover-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("handover-input").value.trim();
    if (!text) return;
    run(async () => {
      await Console.api("POST", selectedPath("/handover"), { text });
      $("handover-form").reset();
      await select(state.selected.id);
    }, "交班留言已保存，下一位打开该患者的医生会看到");
  });
  $("invite-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run(() => Console.api("POST", selectedPath("/invite"), { doctor_id: Number($("invite-doctor").value) }), "已发出会诊邀请");
  });
  $("close-form").addEventListener("submit", (event) => {
    event.preventDefault();
    run(async () => {
      await Console.api("POST", selectedPath("/close"), {
        summary: $("close-summary").value, advice: $("close-advice").value,
        level: $("close-level").value || null, followup: $("close-followup").value,
      });
      $("close-form").reset();
      await loadLists();
      await select(state.selected.id);
    }, "问诊已结束，小结已发送给患者");
  });
  $("status").addEventListener("change", () => run(() => Console.api("PUT", "/api/console/me/status", { status: $("status").value })));
  $("telegram-link").addEventListener("click", () => run(async () => {
    const code = await Console.api("POST", "/api/console/me/telegram-link-code");
    const until = Console.time(code.expires_at);
    $("alerts").replaceChildren(el("div", { class: "alert" },
      "在 Telegram 上给本院机器人发送：", el("code", {}, code.command), "（", until, " 前有效，只能用一次）"));
  }));
  $("sign-out").addEventListener("click", () => run(async () => {
    await Console.api("DELETE", "/api/console/session");
    window.location.assign("/console/login");
  }));
}

async function start() {
  state.me = await Console.signedIn();
  $("telegram-link").hidden = !Console.telegram;
  $("me").textContent = state.me.display_name + " " + state.me.title;
  $("admin-link").hidden = state.me.role !== "admin";
  $("status").value = state.me.status === "away" ? "away" : "online";
  // Only doctors take patients: no 在线接诊 toggle for a pharmacist or an admin.
  $("status-choice").hidden = state.me.role !== "doctor";
  [state.departments, state.doctors] = await Promise.all([
    Console.api("GET", "/api/console/departments"), Console.api("GET", "/api/console/doctors"),
  ]);
  $("transfer-department").append(...state.departments.map((d) => el("option", { value: d.code }, d.name)));
  wire();
  await Promise.all([loadLists(), loadQuickReplies()]);
  setInterval(() => loadLists().catch(() => {}), QUEUE_REFRESH_MS);
  connect();
}

start().catch((e) => Console.toast(e.message));

// The doctor's workbench: live queue, intake summary, chat, transfer, invite and close.
"use strict";

const state = { me: null, selected: null, departments: [], doctors: [], unread: new Set() };
const $ = (id) => document.getElementById(id);
const el = Console.el;
const subjects = { self: "本人", child: "孩子", infant: "婴儿", parent: "父母", spouse: "配偶", other: "其他" };

function speaker(from) {
  if (from === "patient") return "患者";
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

async function loadLists() {
  const [queue, active] = await Promise.all([
    Console.api("GET", "/api/console/queue"),
    Console.api("GET", "/api/console/consultations?scope=active"),
  ]);
  const list = $("queue");
  list.replaceChildren(...queue.map((entry) => {
    const level = entry.level ? el("span", { class: "level level-" + entry.level }, Console.levels[entry.level]) : null;
    const item = el("li", { class: "queue-item", "data-id": entry.id },
      el("div", {}, level, " ", entry.department_name, " · 第", entry.position, "位"),
      el("div", { class: "muted" }, "排队自 ", Console.time(entry.waiting_since), "，预计 ", entry.wait_minutes, " 分钟",
        entry.status === "transferred" ? "（转诊）" : ""),
      el("button", { type: "button", class: "accept-button", onclick: (e) => { e.stopPropagation(); accept(entry.id); } }, "接诊"));
    item.addEventListener("click", () => select(entry.id));
    return item;
  }));
  $("queue-count").textContent = String(queue.length);
  $("queue-empty").hidden = queue.length > 0;
  $("active").replaceChildren(...active.map((c) => {
    const item = el("li", { class: "active-item" + (state.unread.has(c.id) ? " unread" : ""), "data-id": c.id },
      c.department_name, " · 接诊于 ", Console.time(c.accepted_at));
    item.addEventListener("click", () => select(c.id));
    return item;
  }));
}

function renderIntake(intake) {
  $("intake-patient").replaceChildren(...Object.values(intake.patient).flatMap((f) => [
    el("dt", {}, f.label), el("dd", {}, subjects[f.value] || (f.value === true ? "是" : f.value === false ? "否" : f.value)),
  ]));
  const triage = intake.triage;
  $("intake-triage").replaceChildren(triage
    ? el("div", {}, el("span", { class: "level level-" + triage.level }, Console.levels[triage.level] || triage.level),
        el("ul", {}, ...(triage.reasons || []).map((r) => el("li", {}, r))),
        el("div", { class: "muted" }, "规则：", (triage.rules || []).join("、") || "无"))
    : el("span", { class: "muted" }, "尚未分诊"));
  $("intake-vitals").replaceChildren(...intake.vitals.map((v) =>
    el("li", { class: v.abnormal ? "abnormal" : "" }, v.label, "：", v.value, " ", v.unit, v.abnormal ? " ↑异常" : "")));
  const tags = (items, cls) => items.map((i) => el("span", { class: "tag " + cls }, i.label));
  $("intake-present").replaceChildren(...tags(intake.symptoms_present, "present"));
  $("intake-absent").replaceChildren(...tags(intake.symptoms_absent, "absent"));
  $("intake-unknown").replaceChildren(...tags(intake.symptoms_unknown || [], "unknown"));
  $("intake-risks").replaceChildren(...tags(intake.risk_factors, "risk"));
  $("intake-medications").replaceChildren(...tags(intake.medications, ""));
  $("intake-attachments").replaceChildren(...intake.attachments.map((a) => a.href && a.kind === "image"
    ? el("a", { href: a.href, target: "_blank", rel: "noopener" }, el("img", { src: a.href, alt: "患者上传的图片", class: "thumb" }))
    : el("div", {}, a.kind, a.url ? "：" + a.url : "")));
}

function chatLine(line) {
  const who = line.from === "patient" ? "patient" : line.from === "bot" || line.from === "system" ? "bot" : "doctor";
  return el("li", { class: "line " + who + (line.in_session === false ? " history" : "") + (line.alert ? " alert" : "") },
    el("span", { class: "who" }, speaker(line.from), " ", Console.time(line.at)),
    el("span", { class: "text" }, line.text || ""),
    ...(line.attachments || []).map((a) => el("span", { class: "muted" }, "［", a.kind, "］")));
}

function appendChat(line) {
  const chat = $("chat");
  chat.append(chatLine(line));
  chat.scrollTop = chat.scrollHeight;
}

async function select(id) {
  const detail = await Console.api("GET", "/api/console/consultations/" + encodeURIComponent(id));
  const c = detail.consultation;
  state.selected = c;
  state.unread.delete(c.id);
  $("placeholder").hidden = true;
  $("detail").hidden = false;
  $("detail").dataset.id = c.id;
  $("detail-title").textContent = c.department_name + " · " + c.id;
  $("detail-status").textContent = Console.statuses[c.status] || c.status;
  $("detail-status").dataset.status = c.status;
  const mine = c.status === "active" && c.participants.includes(state.me.id);
  $("accept").hidden = !["waiting", "transferred"].includes(c.status);
  $("composer").hidden = !mine;
  $("session-actions").hidden = !(mine && c.doctor_id === state.me.id);
  renderIntake(detail.intake);
  $("chat").replaceChildren(...detail.messages.map(chatLine));
  $("chat").scrollTop = $("chat").scrollHeight;
  fillDoctorChoices();
}

function fillDoctorChoices() {
  const others = state.doctors.filter((d) => d.id !== state.me.id);
  const option = (d) => el("option", { value: String(d.id) },
    d.display_name, " ", d.title, "（", d.departments.map(departmentName).join("、"), d.status === "online" ? "，在线" : "", "）");
  $("transfer-doctor").replaceChildren(el("option", { value: "" }, "（不指定）"), ...others.map(option));
  $("invite-doctor").replaceChildren(...others.map(option));
}

async function run(action, doneText) {
  try {
    await action();
    if (doneText) Console.toast(doneText);
  } catch (e) {
    Console.toast(e.message + (e.detail ? "：" + e.detail : ""));
    await loadLists();
  }
}

async function accept(id) {
  await run(async () => {
    await Console.api("POST", "/api/console/consultations/" + encodeURIComponent(id) + "/accept");
    await loadLists();
    await select(id);
  }, "已接诊");
}

function showAlert(message) {
  // Outside a session there is no consultation to open: the bot has told the patient to call 120,
  // and the doctors on duty see it happened.
  const action = message.consultation_id
    ? el("button", { type: "button", onclick: () => { banner.remove(); select(message.consultation_id); } }, "查看")
    : el("button", { type: "button", onclick: () => banner.remove() }, "知道了");
  const where = message.consultation_id ? "" : "（" + message.department_name + "，未在问诊中，已提示患者拨打120）";
  const banner = el("div", { class: "alert-banner", "data-id": message.consultation_id || message.conversation_id },
    "⚠ 危急提示：", (message.alert.reasons || []).join("；") || "患者描述了危险症状", where, "（患者原话：", message.text, "）",
    action);
  $("alerts").prepend(banner);
  if (state.selected && state.selected.id === message.consultation_id) {
    appendChat({ from: "system", text: "⚠ 红旗征象：" + (message.alert.reasons || []).join("；"), at: message.at, alert: true });
  }
}

function connect() {
  const source = new EventSource("/api/console/stream");
  source.addEventListener("ready", () => {
    $("connection").textContent = "实时连接";
    $("connection").dataset.state = "ready";
    loadLists();
  });
  source.addEventListener("consultation", (event) => {
    const update = JSON.parse(event.data);
    loadLists();
    if (state.selected && update.consultation.id === state.selected.id) select(state.selected.id);
  });
  source.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    if (state.selected && message.consultation_id === state.selected.id) appendChat(message);
    else { state.unread.add(message.consultation_id); loadLists(); }
  });
  source.addEventListener("alert", (event) => showAlert(JSON.parse(event.data)));
  source.addEventListener("invited", (event) => {
    const message = JSON.parse(event.data);
    Console.toast(message.by.name + " 邀请您参加会诊");
    loadLists();
  });
  source.onerror = () => {
    $("connection").textContent = "连接中断，正在重连…";
    $("connection").dataset.state = "lost";
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
    const body = { department: $("transfer-department").value || null, note: $("transfer-note").value };
    if ($("transfer-doctor").value) body.doctor_id = Number($("transfer-doctor").value);
    run(async () => {
      await Console.api("POST", selectedPath("/transfer"), body);
      await loadLists();
      await select(state.selected.id);
    }, "已转诊");
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
  [state.departments, state.doctors] = await Promise.all([
    Console.api("GET", "/api/console/departments"), Console.api("GET", "/api/console/doctors"),
  ]);
  $("transfer-department").append(...state.departments.map((d) => el("option", { value: d.code }, d.name)));
  wire();
  await Promise.all([loadLists(), loadQuickReplies()]);
  connect();
}

start().catch((e) => Console.toast(e.message));

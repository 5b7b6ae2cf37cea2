// The patient web chat (docs/webchat.md): the REST channel with the visitor's own session cookie.
// Messages from the bot and the doctors come in order by their sequence number, from the stream
// (Server-Sent Events, resumed by Last-Event-ID) and from `messages?after=` after each send; a
// message already shown is never shown twice, and nothing stored is missed across a reconnect.
"use strict";

const MAX_IMAGE_BYTES = 8 * 1024 * 1024;
const KEEP_AS_IS_BYTES = 1536 * 1024;  // smaller photos are sent as they are; bigger ones are scaled down
const MAX_SIDE = 1600;
const TEXT = {
  connecting: "正在连接…",
  lost: "网络连接中断，正在重新连接…（消息不会丢失）",
  bot: "问诊助手",
  staff: "医生",
  pharmacist: "药房",
  admin: "医院工作人员",
  system: "系统通知",
  failed: "发送失败，点这里重试",
  toHuman: "转人工",
  imageTooBig: "图片太大了，请选一张 8MB 以内的图片。",
  imageUnreadable: "这张图片的格式暂不支持，请换一张 JPG 或 PNG 图片。",
  imageFailed: "图片没有发出去，请检查网络后再试一次。",
  image: "［图片］",
  sessionFailed: "暂时连不上服务器，请稍后刷新页面再试。如情况紧急，请直接拨打 120。",
};

const state = { sender: "", csrf: "", lastSeq: 0, source: null, backoff: 1000, pending: 0, started: false };
const $ = (id) => document.getElementById(id);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function messageId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);  // crypto.randomUUID needs a secure context; this works everywhere
  return "web-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function setConnection(name) {
  const box = $("connection");
  box.dataset.state = name;
  box.textContent = name === "lost" ? TEXT.lost : name === "connecting" ? TEXT.connecting : "";
}

function nearBottom() {
  const box = $("messages");
  return box.scrollHeight - box.scrollTop - box.clientHeight < 120;
}

function toBottom() {
  const box = $("messages");
  box.scrollTop = box.scrollHeight;
}

function disableChoices() {  // a call-120 link (an <a>) is never spent
  for (const button of document.querySelectorAll("button.choice")) button.disabled = true;
}

// A button to call 120 dials: a real tel: link, never a message back to the bot.
const EMERGENCY_TITLES = ["拨打120", "急救120", "拨打 120", "急救 120"];
function dials120(b) {
  const title = String(b.title || "").replace(/\s+/g, "");
  return String(b.payload || "").trim() === "/call_120" || EMERGENCY_TITLES.some((t) => t.replace(/\s+/g, "") === title);
}

// Text with "tel:120" in it: the number as a link to dial (the words around it unchanged).
function withPhoneLinks(text) {
  const parts = String(text).split(/[（(]?tel:120[）)]?/);
  const nodes = [parts[0]];
  for (let i = 1; i < parts.length; i++) {
    nodes.push(el("a", { class: "tel-120", href: "tel:120" }, "（点此拨打120）"), parts[i]);
  }
  return nodes;
}

function typing(delta) {
  state.pending = Math.max(0, state.pending + delta);
  $("typing").hidden = state.pending === 0;
}

// ---- showing messages ----------------------------------------------------------------------

function showReply(m) {
  const who = m.from === "staff" ? "staff" : "bot";
  // The label by who wrote it (`by`): a pharmacy's or the system's notice is never signed 医生.
  const label = m.by === "pharmacist" ? TEXT.pharmacist : m.by === "admin" ? TEXT.admin
    : m.by === "system" ? TEXT.system : who === "staff" ? TEXT.staff : TEXT.bot;
  const triage = m.custom && m.custom.triage;
  const classes = ["message", who, "by-" + String(m.by || who)];
  if (triage) classes.push("triage", "level-" + String(triage.level || ""));
  const bubble = el("div", { class: "bubble" });
  if (m.text) bubble.append(...withPhoneLinks(m.text));
  if (m.image) bubble.append(el("img", { src: m.image, alt: "", loading: "lazy" }));
  const node = el("div", { class: classes.join(" "), "data-seq": String(m.seq) },
    el("span", { class: "who" }, label), bubble);
  if (Array.isArray(m.buttons) && m.buttons.length) {
    const choices = el("div", { class: "choices" });
    for (const b of m.buttons) {
      choices.append(dials120(b)
        ? el("a", { class: "choice call-120", href: "tel:120" }, String(b.title || "拨打120"))
        : el("button", { type: "button", class: "choice", onclick: () => choose(b) }, String(b.title || "")));
    }
    node.append(choices);
  }
  return node;
}

function showMine(text, attachments = [], extra = "") {
  const bubble = el("div", { class: "bubble" });
  if (text) bubble.append(text);
  for (const a of attachments) {
    bubble.append(a.href ? el("img", { src: a.href, alt: "我发送的图片", loading: "lazy" }) : TEXT.image);
  }
  return el("div", { class: ("message patient " + extra).trim() }, bubble);
}

function append(node) {
  const follow = nearBottom() || node.classList.contains("patient");
  $("messages").append(node);
  if (follow) toBottom();
}

// Messages arrive in order by seq from each source; one already shown (seq ≤ lastSeq) is skipped.
function receive(m) {
  if (typeof m.seq !== "number" || m.seq <= state.lastSeq) return;
  state.lastSeq = m.seq;
  if (m.from === "patient") {
    append(showMine(m.text || "", m.attachments || []));
  } else {
    append(showReply(m));
  }
}

async function catchUp(includePatient = false) {
  for (;;) {
    const query = `after=${state.lastSeq}` + (includePatient ? "&include=patient" : "");
    const response = await call(`/conversations/${encodeURIComponent(state.sender)}/messages?${query}`);
    if (!response.ok) return;
    const page = await response.json();
    page.messages.forEach(receive);
    if (!page.more) return;
  }
}

// ---- talking to the server -----------------------------------------------------------------

function call(path, options = {}) {
  const headers = Object.assign({ "X-CSRF-Token": state.csrf }, options.headers || {});
  return fetch(path, Object.assign({ credentials: "same-origin", cache: "no-store" }, options, { headers }));
}

async function startSession() {
  const response = await fetch("/chat/session", { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error("session " + response.status);
  const session = await response.json();
  state.sender = session.sender;
  state.csrf = session.csrf;
}

async function post(message, id) {
  const response = await call("/webhooks/rest/webhook", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ sender: state.sender, message, metadata: { message_id: id } }),
  });
  if (response.status === 401) {  // the session cookie expired: a new one, then once more
    await startSession();
    return post(message, id);
  }
  if (!response.ok) throw new Error("send " + response.status);
}

// Send once; on failure the bubble offers a retry with the same message id (never answered twice).
async function deliver(node, work) {
  node.classList.add("pending");
  node.classList.remove("failed");
  node.querySelector(".retry")?.remove();
  typing(+1);
  try {
    await work();
    node.classList.remove("pending");
    await catchUp();
  } catch (error) {
    node.classList.remove("pending");
    node.classList.add("failed");
    node.append(el("button", { type: "button", class: "retry", onclick: () => deliver(node, work) }, TEXT.failed));
  } finally {
    typing(-1);
  }
}

function say(shown, message) {
  disableChoices();
  const node = showMine(shown);
  append(node);
  const id = messageId();
  return deliver(node, () => post(message, id));
}

function choose(button) {
  return say(String(button.title || ""), String(button.payload || ""));
}

// ---- images --------------------------------------------------------------------------------

async function prepared(file) {
  const kept = ["image/jpeg", "image/png", "image/webp"];
  if (kept.includes(file.type) && file.size <= KEEP_AS_IS_BYTES) return file;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch (error) {
    if (kept.includes(file.type) && file.size <= MAX_IMAGE_BYTES) return file;
    throw new Error("unreadable");
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = el("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.85));
}

function note(text) {
  append(el("div", { class: "message bot" }, el("div", { class: "bubble" }, text)));
}

async function sendImage(file) {
  let blob;
  try {
    blob = await prepared(file);
  } catch (error) {
    note(TEXT.imageUnreadable);
    return;
  }
  if (!blob || blob.size > MAX_IMAGE_BYTES) {
    note(TEXT.imageTooBig);
    return;
  }
  disableChoices();
  const preview = URL.createObjectURL(blob);
  const node = showMine("", [{ href: preview }]);
  append(node);
  const id = messageId();
  await deliver(node, async () => {
    const path = `/conversations/${encodeURIComponent(state.sender)}/attachments?message_id=${id}`;
    const response = await call(path, { method: "POST", headers: { "Content-Type": blob.type }, body: blob });
    if (response.status === 413 || response.status === 415) {
      note(response.status === 413 ? TEXT.imageTooBig : TEXT.imageUnreadable);
      return;
    }
    if (!response.ok) throw new Error("upload " + response.status);
  });
}

// ---- the live stream -----------------------------------------------------------------------

function connect() {
  if (state.source) state.source.close();
  setConnection(state.started ? "lost" : "connecting");
  // The browser resends the last id it saw as Last-Event-ID when it reconnects by itself; a new
  // EventSource starts after the last message shown.
  const source = new EventSource(`/conversations/${encodeURIComponent(state.sender)}/stream?after=${state.lastSeq}`);
  state.source = source;
  source.addEventListener("ready", () => {
    state.started = true;
    state.backoff = 1000;
    setConnection("ready");
  });
  source.addEventListener("message", (event) => receive(JSON.parse(event.data)));
  source.addEventListener("bye", () => setConnection("lost"));
  source.addEventListener("error", () => {
    if (state.source !== source) return;
    if (state.started || source.readyState !== EventSource.CONNECTING) setConnection("lost");
    if (source.readyState === EventSource.CLOSED) {  // refused (an expired session): start again
      source.close();
      const wait = state.backoff;
      state.backoff = Math.min(state.backoff * 2, 30000);
      setTimeout(() => startSession().then(connect, () => setTimeout(connect, wait)), wait);
    }
  });
}

// ---- start ---------------------------------------------------------------------------------

async function start() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    $("text").value = "";
    resize();
    say(text, text);
  });
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {  // an IME's Enter picks a word
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("text").addEventListener("input", resize);
  $("to-human").addEventListener("click", () => say(TEXT.toHuman, "/request_doctor"));
  $("image").addEventListener("change", () => {
    const file = $("image").files[0];
    $("image").value = "";
    if (file) sendImage(file);
  });
  window.addEventListener("online", () => {
    if (!state.source || state.source.readyState === EventSource.CLOSED) connect();
  });

  try {
    await startSession();
    await catchUp(true);
  } catch (error) {
    setConnection("lost");
    note(TEXT.sessionFailed);
    return;
  }
  connect();
  if (state.lastSeq === 0) {  // a first visit: the welcome and its menu
    typing(+1);
    try {
      await post("/greet", messageId());
      await catchUp();
    } catch (error) {
      note(TEXT.sessionFailed);
    } finally {
      typing(-1);
    }
  }
  toBottom();
}

function resize() {
  const box = $("text");
  box.style.height = "auto";
  box.style.height = Math.min(box.scrollHeight, 132) + "px";
}

document.addEventListener("DOMContentLoaded", start);

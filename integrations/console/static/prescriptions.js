// Prescriptions: the doctor prescribes (formulary search, instant checks, sign), amends and renews;
// the pharmacist reviews (oldest first) and moves orders. Every piece of data comes from the API.
"use strict";

const $ = (id) => document.getElementById(id);
const el = Console.el;
const yuan = (fen) => "¥" + (fen / 100).toFixed(2);
const words = (text) => text.split(/[,，、;；\s]+/).map((w) => w.trim()).filter(Boolean);
const form = { mode: "new", target: "", lines: [], medicines: {} };
let frequencies = [];
let me = null;

async function act(action, doneText) {
  try {
    const result = await action();
    if (doneText) Console.toast(doneText);
    await load();
    return result;
  } catch (e) {
    Console.toast(e.message + (e.detail ? "：" + e.detail : ""));
    return null;
  }
}

function patient() {
  const number = (id) => ($(id).value === "" ? null : Number($(id).value));
  return {
    age_years: number("rx-age"), weight_kg: number("rx-weight"), pregnant: $("rx-pregnant").checked,
    lactating: $("rx-lactating").checked, allergies: words($("rx-allergies").value), medications: words($("rx-medications").value),
  };
}

function lines() {
  return form.lines.map((l) => ({ code: l.code, dose: Number(l.dose), frequency: l.frequency, days: Number(l.days), note: l.note || "" }));
}

function findingList(findings, items) {
  return findings.map((f) => el("li", { class: "finding finding-" + f.severity, "data-check": f.check },
    f.severity === "block" ? "【不通过】" : "【提示】", f.message));
}

async function check() {
  if (!form.lines.length) { $("rx-findings").replaceChildren(); $("rx-total").textContent = yuan(0); return; }
  try {
    const result = await Console.api("POST", "/api/console/prescriptions/check", { lines: lines(), patient: patient() });
    $("rx-findings").replaceChildren(...findingList(result.findings));
    if (!result.findings.length) $("rx-findings").replaceChildren(el("li", { class: "finding finding-ok" }, "未发现问题"));
    $("rx-total").textContent = yuan(result.total_fen);
    $("rx-ack-label").hidden = !result.findings.some((f) => f.severity === "warn");
  } catch (e) {
    $("rx-findings").replaceChildren(el("li", { class: "finding finding-block" }, "请把用量、天数填写完整"));
  }
}

function renderLines() {
  const freq = (line) => {
    const select = el("select", { class: "rx-frequency", onchange: (ev) => { line.frequency = ev.target.value; check(); } },
      ...frequencies.map((f) => el("option", { value: f.code, selected: f.code === line.frequency }, f.name)));
    return select;
  };
  const input = (line, key, attrs) => el("input", { ...attrs, value: line[key] ?? "", oninput: (ev) => { line[key] = ev.target.value; check(); } });
  $("rx-lines").tBodies[0].replaceChildren(...form.lines.map((line, index) => el("tr", { "data-code": line.code },
    el("td", {}, (form.medicines[line.code] || {}).name || line.code),
    el("td", {}, input(line, "dose", { type: "number", min: "0", step: "0.25", class: "rx-dose" }), " ", (form.medicines[line.code] || {}).unit || ""),
    el("td", {}, freq(line)),
    el("td", {}, input(line, "days", { type: "number", min: "1", max: "365", class: "rx-days" })),
    el("td", {}, input(line, "note", { maxLength: 200, class: "rx-note" })),
    el("td", {}, el("button", { type: "button", onclick: () => { form.lines.splice(index, 1); renderLines(); check(); } }, "删除")))));
}

// The first suggestion never fails the dose check: one unit, as often as the daily maximum allows
// (布洛芬缓释胶囊 300 mg, at most 600 mg a day: 每日2次, not 3); chronic medicines start once a day.
function defaultFrequency(m) {
  if (m.chronic) return "qd";
  for (const [code, times] of [["tid", 3], ["bid", 2], ["qd", 1]]) {
    if (!m.max_daily || m.strength * times <= m.max_daily) return code;
  }
  return "qd";
}

function addMedicine(m) {
  form.medicines[m.code] = m;
  form.lines.push({ code: m.code, dose: 1, frequency: defaultFrequency(m), days: m.chronic ? 28 : Math.min(3, m.max_days || 3) });
  renderLines();
  check();
}

async function search() {
  const q = $("rx-search").value.trim();
  const found = await Console.api("GET", "/api/console/prescriptions/formulary?q=" + encodeURIComponent(q));
  $("rx-results").replaceChildren(...found.map((m) => el("li", { "data-code": m.code },
    el("b", {}, m.name), " ", m.form, " ", yuan(m.pack.price_fen), "/", m.pack.unit,
    m.restricted ? el("span", { class: "badge" }, m.restricted) : null, " ",
    el("button", { type: "button", class: "rx-add", onclick: () => addMedicine(m) }, "加入"))));
}

function openForm(mode, target, title, facts, previous) {
  form.mode = mode; form.target = target; form.lines = [];
  $("rx-form").hidden = false;
  $("form-title").textContent = title;
  $("rx-age").value = facts.age_years ?? ""; $("rx-weight").value = facts.weight_kg ?? "";
  $("rx-pregnant").checked = !!facts.pregnant; $("rx-lactating").checked = !!facts.lactating;
  $("rx-allergies").value = (facts.allergies || []).join("，"); $("rx-medications").value = (facts.medications || []).join("，");
  $("rx-diagnosis").value = previous ? previous.diagnosis : "";
  $("rx-ack").checked = false;
  if (previous) {
    for (const item of previous.items) {
      form.medicines[item.code] = { code: item.code, name: item.name, unit: item.unit };
      form.lines.push({ code: item.code, dose: item.dose, frequency: item.frequency, days: item.days, note: item.note });
    }
  }
  renderLines();
  check();
}

async function sign(ev) {
  ev.preventDefault();
  const body = { lines: lines(), patient: patient(), diagnosis: $("rx-diagnosis").value, acknowledged: $("rx-ack").checked };
  const paths = {
    new: ["POST", "/api/console/prescriptions", { ...body, consultation_id: form.target }],
    amend: ["PUT", "/api/console/prescriptions/" + form.target, body],
    reissue: ["POST", "/api/console/prescriptions/renewals/" + form.target + "/reissue", body],
  };
  const [method, path, payload] = paths[form.mode];
  try {
    const rx = await Console.api(method, path, payload);
    Console.toast("已签名，处方 " + rx.id + " 已提交药师审核");
    $("rx-form").hidden = true;
    $("form-title").textContent = "开处方";
    await load();
  } catch (e) {
    Console.toast(e.message + (e.detail ? "：" + e.detail : ""));
    await check();
  }
}

function itemsText(items) {
  return items.map((i) => i.name + " 每次" + i.dose + i.unit + " " + i.frequency_name + " " + i.days + "天").join("；");
}

async function loadDoctor() {
  const mine = await Console.api("GET", "/api/console/prescriptions/mine");
  $("mine").tBodies[0].replaceChildren(...mine.map((p) => el("tr", { "data-id": p.id, "data-status": p.status },
    el("td", {}, p.id, " 第", p.version, "版"), el("td", { class: "rx-status" }, p.status_name), el("td", {}, itemsText(p.items)),
    el("td", { class: "rx-reason" }, p.review_reason || ""),
    el("td", {}, p.status === "rejected"
      ? el("button", { type: "button", class: "rx-amend", onclick: () => openForm("amend", p.id, "修改处方 " + p.id, factsOf(p), p) }, "修改后重新提交")
      : el("a", { href: "/rx/" + p.id + "?code=" + p.verification_code, target: "_blank" }, "电子处方")))));
  const renewals = await Console.api("GET", "/api/console/prescriptions/renewals");
  $("renewals").tBodies[0].replaceChildren(...renewals.map((r) => {
    const reason = el("input", { placeholder: "不续方的原因", maxLength: 500, class: "renewal-reason" });
    return el("tr", { "data-id": r.id },
      el("td", {}, r.id), el("td", {}, Console.time(r.requested_at)), el("td", {}, itemsText(r.previous.items)),
      el("td", {},
        el("button", { type: "button", class: "renewal-reissue", onclick: () => openForm("reissue", r.id, "续方 " + r.id,
          { ...factsOf(r.previous), ...r.patient, allergies: factsOf(r.previous).allergies, medications: factsOf(r.previous).medications }, r.previous) }, "续方"),
        reason,
        el("button", { type: "button", onclick: () => act(() => Console.api("POST", "/api/console/prescriptions/renewals/" + r.id + "/decline", { reason: reason.value }), "已告知患者") }, "不续方")));
  }));
}

function factsOf(p) {
  return { age_years: p.patient.age_years, weight_kg: p.patient.weight_kg, pregnant: p.patient.pregnant, lactating: p.patient.lactating,
           allergies: p.patient_names.allergies, medications: p.patient_names.medications };
}

async function loadPharmacist() {
  const queue = await Console.api("GET", "/api/console/prescriptions/review-queue");
  $("review-queue").replaceChildren(...queue.map((p) => {
    const reason = el("input", { placeholder: "驳回理由（医生可见）", maxLength: 500, class: "review-reason" });
    const facts = factsOf(p);
    return el("article", { class: "card review", "data-id": p.id },
      el("h3", {}, p.id, "（第", p.version, "版） 已等待 ", p.waiting_minutes, " 分钟"),
      el("p", {}, "开方医生：", p.doctor, " · 诊断：", p.diagnosis),
      el("p", { class: "muted" }, "患者：", facts.age_years ?? "年龄未知", "岁", p.patient.weight_kg ? " " + p.patient.weight_kg + "kg" : "",
        p.patient.pregnant ? " 怀孕" : "", p.patient.lactating ? " 哺乳期" : "",
        // console8: no allergy on the prescription reads as the intake asked it — 未询问 / 无 / 不清楚 (never 无 for a
        // question never put; the summary's rule, summary.yml `background`); 在用药 the same (newcomer trial 12).
        " · 过敏：", facts.allergies.join("、") || (p.allergy_asked ? p.allergy_asked.text : "未询问"), " · 在用药：", facts.medications.join("、") || (p.medications_asked ? p.medications_asked.text : "未询问")),
      el("ul", {}, ...p.items.map((i) => el("li", {}, i.name, "（", i.strength, "） 每次", i.dose, i.unit, " ", i.frequency_name, " ", i.days, "天 ×", i.packs, i.pack_unit))),
      el("ul", { class: "findings" }, ...(p.findings.length ? findingList(p.findings) : [el("li", { class: "finding finding-ok" }, "自动审核未发现问题")])),
      el("p", {}, "合计 ", yuan(p.total_fen)),
      el("button", { type: "button", class: "review-approve", onclick: () => act(() => Console.api("POST", "/api/console/prescriptions/" + p.id + "/review", { approve: true }), "已审核通过，已通知患者") }, "审核通过"),
      reason,
      el("button", { type: "button", class: "review-reject", onclick: () => act(() => Console.api("POST", "/api/console/prescriptions/" + p.id + "/review", { approve: false, reason: reason.value }), "已驳回，开方医生可见") }, "驳回"));
  }));
  if (!queue.length) $("review-queue").replaceChildren(el("p", { class: "muted" }, "没有待审核的处方"));
  const orders = await Console.api("GET", "/api/console/prescriptions/orders");
  $("orders").tBodies[0].replaceChildren(...orders.map((o) => {
    const actions = [];
    if (o.status === "pending_payment") {
      const receipt = el("input", { placeholder: "收款凭证号", maxLength: 40, class: "order-receipt" });
      actions.push(receipt, el("button", { type: "button", class: "order-paid", onclick: () => act(() => Console.api("POST",
        "/api/console/prescriptions/orders/" + o.id + "/paid", { receipt: receipt.value, amount_fen: o.amount_fen }), "已登记收款") }, "登记收款"));
    } else if (o.status === "paid") {
      actions.push(el("button", { type: "button", class: "order-dispensing", onclick: () => act(() => Console.api("POST",
        "/api/console/prescriptions/orders/" + o.id + "/advance", { status: "dispensing" }), "已开始配药") }, "开始配药"));
    } else if (o.status === "dispensing") {
      const tracking = el("input", { placeholder: o.fulfilment === "delivery" ? "快递单号" : "（自取无需单号）", maxLength: 64, class: "order-tracking" });
      actions.push(tracking, el("button", { type: "button", class: "order-shipped", onclick: () => act(() => Console.api("POST",
        "/api/console/prescriptions/orders/" + o.id + "/advance", { status: "shipped", tracking: tracking.value }), "已通知患者") },
        o.fulfilment === "delivery" ? "已发货" : "可取药"));
    } else if (o.status === "shipped") {
      actions.push(el("button", { type: "button", class: "order-received", onclick: () => act(() => Console.api("POST",
        "/api/console/prescriptions/orders/" + o.id + "/advance", { status: "received" }), "已签收") }, "已签收"));
    }
    if (o.has_address) {
      const shown = el("span", { class: "order-address" });
      actions.push(el("button", { type: "button", onclick: async () => {
        shown.textContent = (await Console.api("GET", "/api/console/prescriptions/orders/" + o.id + "/address")).address; } }, "查看地址"), shown);
    }
    return el("tr", { "data-id": o.id, "data-status": o.status },
      el("td", {}, o.id), el("td", {}, o.prescription_id), el("td", {}, o.fulfilment_name), el("td", {}, yuan(o.amount_fen)),
      el("td", { class: "order-status" }, o.status_name), el("td", {}, ...actions));
  }));
}

async function load() {
  if (me.role === "doctor") await loadDoctor();
  if (me.role === "pharmacist" || me.role === "admin") await loadPharmacist();
}

async function start() {
  me = await Console.signedIn();
  $("me").textContent = me.display_name + "（" + ({ doctor: "医生", pharmacist: "药师", admin: "管理员" }[me.role]) + "）";
  $("doctor-side").hidden = me.role !== "doctor";
  $("pharmacist-side").hidden = !(me.role === "pharmacist" || me.role === "admin");
  frequencies = await Console.api("GET", "/api/console/prescriptions/frequencies");
  $("rx-search").addEventListener("input", () => { search().catch(() => {}); });
  $("rx-form").addEventListener("submit", sign);
  for (const id of ["rx-age", "rx-weight", "rx-pregnant", "rx-lactating", "rx-allergies", "rx-medications"]) {
    $(id).addEventListener("change", check);
  }
  const consultation = new URLSearchParams(window.location.search).get("consultation");
  if (me.role === "doctor" && consultation) {
    try {
      const facts = await Console.api("GET", "/api/console/prescriptions/consultations/" + encodeURIComponent(consultation) + "/facts");
      openForm("new", consultation, "为 " + facts.consultation.department_name + " 的患者开处方", facts, null);
      $("form-context").textContent = "问诊 " + consultation + (facts.allergy_text ? " · 患者自述过敏：" + facts.allergy_text : "");
    } catch (e) {
      Console.toast(e.message);
    }
  }
  await load();
  setInterval(() => { load().catch(() => {}); }, 15000);
}

start().catch((e) => Console.toast(e.message));

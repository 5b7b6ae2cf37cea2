// Health-education broadcasts for administrators: compose, preview, schedule, follow the report.
"use strict";

const $ = (id) => document.getElementById(id);
const el = Console.el;
const statuses = { draft: "草稿", scheduled: "已排期", running: "发送中", done: "已完成", cancelled: "已取消" };
const groupNames = { elderly: "老年人（65岁以上）", children: "儿童", pregnant: "孕产妇", chronic: "慢性病",
  high_risk: "重症高风险", home_isolation: "居家隔离中" };
const methodNames = { wechat_mass: "微信群发", wechat_cs: "微信客服消息（48小时内互动过）",
  wechat_template: "微信模板消息", telegram: "Telegram", web: "网页聊天（存入对话，在线即时推送）" };
const reasonNames = { opted_out: "已退订", unsubscribed: "已取关", outside_window: "超出48小时", over_limit: "超出月度上限",
  interrupted: "中断（结果未知，不重发）", blocked_bot: "已屏蔽机器人", cancelled: "已取消", article_expired: "文章已过期" };

const list = (value) => value.split(/[,，]/).map((s) => s.trim()).filter(Boolean);
const checked = (id) => [...$(id).querySelectorAll("input:checked")].map((i) => i.value);

function body() {
  return {
    name: $("campaign-name").value,
    article_id: $("campaign-article").value || null,
    message: $("campaign-article").value ? null : $("campaign-message").value,
    audience: { groups: checked("campaign-groups"), match: $("campaign-match").value,
      departments: list($("campaign-departments").value), tags: list($("campaign-tags").value) },
    methods: checked("campaign-methods"),
  };
}

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

function summary(report) {
  const parts = [`共${report.total}`, `已发${report.counts.sent + report.counts.delivered}`,
    `失败${report.counts.failed}`, `跳过${report.counts.skipped}`];
  const reasons = Object.entries({ ...(report.reasons.failed || {}), ...(report.reasons.skipped || {}) })
    .map(([reason, n]) => `${reasonNames[reason] || reason} ${n}`);
  return parts.join(" / ") + (reasons.length ? `（${reasons.join("，")}）` : "");
}

async function load() {
  const campaigns = await Console.api("GET", "/api/console/admin/broadcasts");
  const rows = [];
  for (const c of campaigns) {
    const report = c.status === "draft" ? null : await Console.api("GET", `/api/console/admin/broadcasts/${c.id}/report`);
    const actions = [];
    if (c.status === "draft") {
      actions.push(el("button", { type: "button", onclick: () => act(
        () => Console.api("POST", `/api/console/admin/broadcasts/${c.id}/schedule`, {}), "已开始发送") }, "立即发送"));
    }
    if (["draft", "scheduled", "running"].includes(c.status)) {
      actions.push(el("button", { type: "button", onclick: () => act(
        () => Console.api("POST", `/api/console/admin/broadcasts/${c.id}/cancel`), "已取消") }, "取消"));
    }
    rows.push(el("tr", {}, el("td", {}, c.id), el("td", {}, c.name),
      el("td", {}, c.methods.map((m) => methodNames[m] || m).join("、")), el("td", {}, statuses[c.status] || c.status),
      el("td", {}, Console.dateTime(c.scheduled_at)),
      el("td", {}, report ? summary(report) : ""), el("td", {}, ...actions)));
  }
  $("campaign-table").tBodies[0].replaceChildren(...rows);
}

async function start() {
  const me = await Console.signedIn();
  if (me.role !== "admin") { window.location.assign("/console"); return; }
  const options = await Console.api("GET", "/api/console/admin/broadcasts/options");
  $("campaign-article").append(...options.articles.map((a) => el("option", { value: a.id }, a.title)));
  $("campaign-groups").append(...options.groups.map((g) => el("label", {},
    el("input", { type: "checkbox", value: g }), groupNames[g] || g)));
  $("campaign-methods").append(...options.methods.map((m) => el("label", {},
    el("input", { type: "checkbox", value: m, checked: m === "wechat_mass" }), methodNames[m] || m)));
  $("preview-button").addEventListener("click", async () => {
    const preview = await act(() => Console.api("POST", "/api/console/admin/broadcasts/preview", body()));
    if (!preview) return;
    $("preview-text").textContent = preview.text;
    const counts = Object.entries(preview.recipients).map(([m, n]) => `${methodNames[m] || m}：${n}人`);
    const skipped = Object.entries(preview.skipped).map(([r, n]) => `${reasonNames[r] || r}：${n}人`);
    $("preview-counts").textContent = [...counts, ...skipped].join("；");
    $("preview").hidden = false;
  });
  $("campaign-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act(() => Console.api("POST", "/api/console/admin/broadcasts", body()), "已保存为草稿");
  });
  await load();
}

start();

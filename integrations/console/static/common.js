// Shared by the console pages: JSON calls with the CSRF token, and small DOM helpers.
"use strict";

const Console = {
  csrf: "",
  errors: {
    401: "登录已失效，请重新登录",
    403: "没有权限（非本科室患者，或页面已过期请刷新）",
    404: "找不到该记录",
    409: "状态已变化（可能已被其他医生接诊），列表已刷新",
    422: "填写的内容有误",
    429: "登录失败次数过多，账号已暂时锁定，请稍后再试",
  },

  async api(method, path, body) {
    const headers = { "Accept": "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET") headers["X-CSRF-Token"] = Console.csrf;
    const response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401 && !path.endsWith("/session")) {
      window.location.assign("/console/login");
      throw new Error(Console.errors[401]);
    }
    if (!response.ok) {
      let detail = "";
      let consultationId = null;
      let transferred = false;
      try {
        const data = await response.json();
        // A string, or {message, findings} (a prescription the checks refused).
        detail = typeof data.detail === "string" ? data.detail : (data.detail && data.detail.message) || "";
        consultationId = (data.detail && data.detail.consultation_id) || null;  // a 409 naming the one to open
        transferred = Boolean(data.detail && data.detail.transferred);  // console8: a patient this doctor transferred
      } catch (e) { /* no body */ }
      const error = new Error(Console.errors[response.status] || ("请求失败（" + response.status + "）"));
      error.status = response.status;
      error.detail = detail;
      error.consultationId = consultationId;
      error.transferred = transferred;
      throw error;
    }
    return response.status === 204 ? null : response.json();
  },

  async signedIn() {
    const me = await Console.api("GET", "/api/console/me");
    Console.csrf = me.csrf_token;
    Console.telegram = me.telegram;
    return me.staff;
  },

  el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value;
      else if (key.startsWith("data-")) node.setAttribute(key, value);
      else node[key] = value;
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  },

  toast(text) {
    const box = document.getElementById("toast");
    box.textContent = text;
    box.hidden = false;
    clearTimeout(Console.toastTimer);
    Console.toastTimer = setTimeout(() => { box.hidden = true; }, 4000);
  },

  // The hospital's time zone: config `consultations.timezone`, put in every page's shared head by the server
  // (integrations/console/shell.py); never the browser's.
  zone() {
    const meta = document.querySelector('meta[name="wenzhen-timezone"]');
    return (meta && meta.content) || "Asia/Shanghai";
  },

  // Times are the hospital's, in 24-hour Chinese form, whatever the browser's locale or zone: built
  // from the parts, never from a locale's own pattern (no "下午3:05", no "3:05 PM").
  parts(iso) {
    const format = new Intl.DateTimeFormat("en-GB", { timeZone: Console.zone(), hourCycle: "h23", year: "numeric",
      month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit" });
    const out = {};
    for (const part of format.formatToParts(new Date(iso))) out[part.type] = part.value;
    return out;
  },

  // A wall-clock time typed in the hospital ("2026-12-05 10:30") as an ISO time with the hospital's UTC
  // offset at that moment ("2026-12-05T10:30:00+08:00"), whatever the browser's zone; "" when not a time.
  hospitalIso(typed) {
    const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})$/.exec((typed || "").trim());
    if (!m) return "";
    const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
    let offset = 0;
    for (let i = 0; i < 2; i += 1) {  // the offset of the instant that shows this wall time (twice: DST edges)
      const p = Console.parts(new Date(wall - offset * 60000).toISOString());
      const shown = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute);
      offset = Math.round((shown - (wall - offset * 60000)) / 60000);
    }
    const sign = offset >= 0 ? "+" : "-";
    const abs = Math.abs(offset);
    return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
  },

  time(iso) {
    if (!iso) return "";
    const p = Console.parts(iso);
    return p.hour + ":" + p.minute;
  },

  dateTime(iso) {
    if (!iso) return "";
    const p = Console.parts(iso);
    return p.year + "年" + Number(p.month) + "月" + Number(p.day) + "日 " + p.hour + ":" + p.minute;
  },
};

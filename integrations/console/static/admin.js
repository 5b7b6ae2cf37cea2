// Administration: staff accounts and rosters (weekly shifts, date overrides).
"use strict";

const $ = (id) => document.getElementById(id);
const el = Console.el;
const weekdays = { mon: "周一", tue: "周二", wed: "周三", thu: "周四", fri: "周五", sat: "周六", sun: "周日" };
const roles = { doctor: "医生", pharmacist: "药师", admin: "管理员" };
let departments = [];
let staff = [];

const deptName = (code) => (departments.find((d) => d.code === code) || { name: code }).name;
const staffName = (id) => (staff.find((s) => s.id === id) || { display_name: "#" + id }).display_name;

async function act(action, doneText) {
  try {
    await action();
    Console.toast(doneText);
    await load();
  } catch (e) {
    Console.toast(e.message + (e.detail ? "：" + e.detail : ""));
  }
}

async function load() {
  staff = await Console.api("GET", "/api/console/admin/staff");
  const roster = await Console.api("GET", "/api/console/admin/roster");
  $("staff-table").tBodies[0].replaceChildren(...staff.map((s) => el("tr", {},
    el("td", {}, s.id), el("td", {}, s.username), el("td", {}, s.display_name), el("td", {}, s.title),
    el("td", {}, roles[s.role]), el("td", {}, s.departments.map(deptName).join("、")),
    el("td", {}, s.active ? (s.status === "online" ? "在线" : s.status === "away" ? "离开" : "离线") : "已停用"),
    el("td", {}, el("button", { type: "button", onclick: () => act(
      () => Console.api("PATCH", "/api/console/admin/staff/" + s.id, { active: !s.active }), "已更新") },
    s.active ? "停用" : "启用")))));
  const staffOptions = () => staff.filter((s) => s.role !== "admin").map((s) => el("option", { value: String(s.id) }, s.display_name));
  for (const id of ["shift-staff", "override-staff"]) $(id).replaceChildren(...staffOptions());
  $("shift-table").tBodies[0].replaceChildren(...roster.shifts.map((r) => el("tr", {},
    el("td", {}, staffName(r.staff_id)), el("td", {}, deptName(r.department)), el("td", {}, weekdays[r.weekday]),
    el("td", {}, r.start, "–", r.end),
    el("td", {}, el("button", { type: "button", onclick: () => act(
      () => Console.api("DELETE", "/api/console/admin/roster/shifts/" + r.id), "已删除") }, "删除")))));
  $("override-table").tBodies[0].replaceChildren(...roster.overrides.map((r) => el("tr", {},
    el("td", {}, staffName(r.staff_id)), el("td", {}, deptName(r.department)), el("td", {}, r.day),
    el("td", {}, r.start ? r.start + "–" + r.end : "停诊"),
    el("td", {}, el("button", { type: "button", onclick: () => act(
      () => Console.api("DELETE", "/api/console/admin/roster/overrides/" + r.id), "已删除") }, "删除")))));
}

async function start() {
  const me = await Console.signedIn();
  if (me.role !== "admin") { window.location.assign("/console"); return; }
  departments = await Console.api("GET", "/api/console/departments");
  const options = () => departments.map((d) => el("option", { value: d.code }, d.name));
  for (const id of ["staff-departments", "shift-department", "override-department"]) $(id).replaceChildren(...options());
  $("staff-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act(() => Console.api("POST", "/api/console/admin/staff", {
      username: $("staff-username").value, display_name: $("staff-name").value, title: $("staff-title").value,
      role: $("staff-role").value, password: $("staff-password").value,
      departments: [...$("staff-departments").selectedOptions].map((o) => o.value),
    }), "已添加人员");
  });
  $("shift-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act(() => Console.api("POST", "/api/console/admin/roster/shifts", {
      staff_id: Number($("shift-staff").value), department: $("shift-department").value,
      weekday: $("shift-weekday").value, start: $("shift-start").value, end: $("shift-end").value,
    }), "已添加班次");
  });
  $("override-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act(() => Console.api("POST", "/api/console/admin/roster/overrides", {
      staff_id: Number($("override-staff").value), department: $("override-department").value,
      day: $("override-day").value, start: $("override-start").value || null, end: $("override-end").value || null,
    }), "已保存");
  });
  await load();
}

start().catch((e) => Console.toast(e.message));

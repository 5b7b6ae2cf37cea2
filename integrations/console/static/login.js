// Sign-in page: JSON only (a cross-site form cannot post JSON without CORS).
"use strict";

document.getElementById("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("sign-in-error");
  error.hidden = true;
  try {
    const signedIn = await Console.api("POST", "/api/console/session", {
      username: document.getElementById("username").value,
      password: document.getElementById("password").value,
    });
    // Each role starts where its work is: a pharmacist on the prescriptions to review, an admin on
    // the admin page, a doctor on the workbench (only a local path is ever followed).
    const home = signedIn && typeof signedIn.home === "string" && /^\/console(\/[a-z]*)?$/.test(signedIn.home)
      ? signedIn.home : "/console";
    window.location.assign(home);
  } catch (e) {
    error.textContent = e.status === 401 ? "用户名或密码错误" : e.message;
    error.hidden = false;
  }
});

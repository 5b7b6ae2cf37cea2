// Sign-in page: JSON only (a cross-site form cannot post JSON without CORS).
"use strict";

document.getElementById("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const error = document.getElementById("sign-in-error");
  error.hidden = true;
  try {
    await Console.api("POST", "/api/console/session", {
      username: document.getElementById("username").value,
      password: document.getElementById("password").value,
    });
    window.location.assign("/console");
  } catch (e) {
    error.textContent = e.status === 401 ? "用户名或密码错误" : e.message;
    error.hidden = false;
  }
});

/* Copy buttons (issue 19): progressive enhancement of the read-only fields that hold a
   link or a snippet to copy. Without this script the fields stay selectable by hand.
   A field opts in with data-copy="<button label>" and data-copied="<label once copied>"
   (the words come translated from the page). No inline script, no fetch, no storage. */
(function () {
  "use strict";
  function copied(button, field) {
    var status = document.getElementById(field.id + "-copied");
    button.textContent = field.getAttribute("data-copied") || button.textContent;
    if (status) { status.textContent = field.getAttribute("data-copied") || ""; }
  }
  function fallback(field) {
    field.focus();
    field.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }
  function enhance(field) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "secondary copy";
    button.textContent = field.getAttribute("data-copy");
    button.setAttribute("aria-describedby", field.id);
    var status = document.createElement("span");
    status.id = field.id + "-copied";
    status.className = "copied";
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      var text = field.value;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(function () { copied(button, field); }, function () {
          if (fallback(field)) { copied(button, field); }
        });
      } else if (fallback(field)) {
        copied(button, field);
      }
    });
    field.insertAdjacentElement("afterend", status);
    field.insertAdjacentElement("afterend", button);
  }
  function start() {
    var fields = document.querySelectorAll("[data-copy][readonly]");
    for (var i = 0; i < fields.length; i++) { enhance(fields[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

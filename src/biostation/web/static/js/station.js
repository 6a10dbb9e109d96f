// A little JavaScript on top of server-rendered pages: the step-by-step form, touched-field tracking for
// as-you-type checks, and aria-invalid kept in step with the error messages htmx swaps in.
(function () {
  "use strict";

  function syncInvalid(slot) {
    var id = slot.id.replace(/^err-/, "f-");
    var input = document.getElementById(id);
    var bad = slot.textContent.trim() !== "";
    if (input) { if (bad) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid"); }
    var box = slot.closest(".field");
    if (box) box.classList.toggle("has-error", bad);
  }

  // An out-of-band swap replaces the error slot, so look the slots up again once htmx has settled.
  function syncAll() { document.querySelectorAll(".field-error[id^='err-']").forEach(syncInvalid); }
  document.addEventListener("htmx:oobAfterSwap", function () { setTimeout(syncAll, 0); });
  document.addEventListener("htmx:afterRequest", function () { setTimeout(syncAll, 0); });

  function steppedForm(form) {
    var steps = Array.prototype.slice.call(form.querySelectorAll("fieldset.step"));
    if (!steps.length) return;
    var touched = form.querySelector("#touched");
    var marks = document.querySelectorAll("#steps li[data-step]");
    var prev = form.querySelector("[data-prev]"), next = form.querySelector("[data-next]");
    var submit = form.querySelector("[data-submit]");
    var current = 0;
    // After a failed submit, open the first step that has an error.
    for (var i = 0; i < steps.length; i++) {
      if (steps[i].querySelector(".field-error:not(:empty)")) { current = i; break; }
    }
    function show(n, focus) {
      current = Math.max(0, Math.min(steps.length - 1, n));
      steps.forEach(function (s, i) { s.hidden = i !== current; });
      marks.forEach(function (m, i) { if (i === current) m.setAttribute("aria-current", "step"); else m.removeAttribute("aria-current"); });
      prev.hidden = current === 0;
      next.hidden = current === steps.length - 1;
      submit.hidden = current !== steps.length - 1;
      if (focus) { var first = steps[current].querySelector("input, select, textarea"); if (first) first.focus(); }
    }
    prev.addEventListener("click", function () { show(current - 1, true); });
    next.addEventListener("click", function () {
      // Everything in this step counts as touched: its errors show before moving on.
      steps[current].querySelectorAll("[name]").forEach(function (el) { mark(el.name); });
      htmx.trigger(form, "change");
      show(current + 1, true);
    });
    function mark(name) {
      if (!name || name === "csrf_token" || name === "touched") return;
      var names = touched.value ? touched.value.split(",") : [];
      if (names.indexOf(name) < 0) { names.push(name); touched.value = names.join(","); }
    }
    // Capture phase: the field is marked before htmx (listening on the form) sends the check.
    ["input", "change", "focusout"].forEach(function (type) {
      form.addEventListener(type, function (e) { if (e.target.name) mark(e.target.name); }, true);
    });
    show(current, false);
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var f = document.getElementById("dataset-form");
    if (f) steppedForm(f);
    var s = document.getElementById("error-summary");
    if (s && !f) s.focus();
  });
})();

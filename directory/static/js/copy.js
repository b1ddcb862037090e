// Progressive enhancement for read-only fields marked data-copy: a button that copies the
// whole value. Without JavaScript the field itself is selectable and shows the whole value.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (field) {
    var button = document.createElement("button");
    var status = document.createElement("p");
    button.type = "button";
    button.className = "button button--secondary copy-button";
    button.textContent = field.getAttribute("data-copy") || "Copy";
    status.className = "field__hint";
    status.setAttribute("role", "status");
    function selectAll() {
      field.focus();
      field.select();
    }
    button.addEventListener("click", function () {
      selectAll();
      var done = function () { status.textContent = "Copied. Paste it into your calendar app."; };
      var manual = function () { status.textContent = "Press Ctrl+C (⌘C on a Mac) to copy the selected address."; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, manual);
      } else {
        try { (document.execCommand && document.execCommand("copy")) ? done() : manual(); } catch (e) { manual(); }
      }
    });
    field.addEventListener("focus", function () { field.select(); });
    field.insertAdjacentElement("afterend", status);
    field.insertAdjacentElement("afterend", button);
  });
})();

// Import: say at once that the chosen files are over the limit, instead of uploading them for
// the server to refuse (it refuses them anyway: this only spares the wait).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[type=file][data-max-bytes]")) {
    const limit = Number(input.dataset.maxBytes);
    const check = () => {
      const total = Array.from(input.files || []).reduce((sum, file) => sum + file.size, 0);
      input.setCustomValidity(total > limit ? input.dataset.tooLarge : "");
    };
    input.addEventListener("change", () => { check(); input.reportValidity(); });
    check();
  }
});

// Share Access: filter the server-rendered list of members and teams as the member types.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  for (const input of document.querySelectorAll("input[data-filters]")) {
    if (input.dataset.bound) continue;
    input.dataset.bound = "1";
    const list = document.getElementById(input.dataset.filters);
    if (!list) continue;
    const filter = () => {
      const words = input.value.toLowerCase().trim().split(/\s+/).filter(Boolean);
      for (const item of list.querySelectorAll("li[data-search]")) {
        const text = item.dataset.search;
        const checked = item.querySelector("input:checked");
        item.hidden = !checked && !words.every((word) => text.includes(word));
      }
    };
    input.addEventListener("input", filter);
    // Enter in the search box must not submit the share form.
    input.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
    filter();
  }
});

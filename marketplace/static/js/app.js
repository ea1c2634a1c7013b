// Cascading region selects: each level loads the current regions below the chosen one from the public API.
(function () {
  "use strict";

  function option(value, text) {
    const o = document.createElement("option");
    o.value = value;
    o.textContent = text;
    return o;
  }

  async function children(code) {
    const response = await fetch("/api/v1/regions/" + encodeURIComponent(code) + "/children", {
      headers: { Accept: "application/json" },
    });
    return response.ok ? response.json() : [];
  }

  async function region(code) {
    const response = await fetch("/api/v1/regions/" + encodeURIComponent(code));
    return response.ok ? response.json() : null;
  }

  async function ancestry(root, selected) {
    // The chain of codes from just below root down to selected.
    const chain = [];
    let code = selected;
    while (code && code !== root) {
      chain.unshift(code);
      const r = await region(code);
      code = r ? r.parent_code : null;
    }
    return code === root ? chain : [];
  }

  function init(picker) {
    const hidden = picker.querySelector("input[type=hidden]");
    const root = picker.dataset.root;
    const depth = parseInt(picker.dataset.depth || "4", 10);
    const placeholder = picker.dataset.placeholder || "—";

    async function addLevel(parentCode, index, preset) {
      while (picker.querySelectorAll("select").length > index) {
        picker.querySelector("select:last-of-type").remove();
      }
      if (index >= depth) return;
      const items = await children(parentCode);
      if (!items.length) return;
      const select = document.createElement("select");
      select.className = "form-select";
      select.setAttribute("aria-label", placeholder);
      select.appendChild(option("", placeholder));
      if (index === 0 && picker.dataset.rootLabel) select.appendChild(option(root, picker.dataset.rootLabel));
      items.forEach(function (item) { select.appendChild(option(item.code, item.name)); });
      picker.appendChild(select);
      select.addEventListener("change", function () {
        hidden.value = select.value || (index > 0 ? picker.querySelectorAll("select")[index - 1].value : "");
        if (select.value === root) addLevel("", index + 1, []);  // the root itself: nothing below to choose
        else if (select.value) addLevel(select.value, index + 1, []);
        else addLevel("", index + 1, []);
      });
      if (!preset.length && index === 0 && picker.dataset.rootLabel && picker.dataset.selected === root) {
        select.value = root;
      }
      if (preset.length) {
        select.value = preset[0];
        await addLevel(preset[0], index + 1, preset.slice(1));
      }
    }

    ancestry(root, picker.dataset.selected).then(function (chain) { addLevel(root, 0, chain); });
  }

  document.querySelectorAll("[data-region-picker]").forEach(init);
})();

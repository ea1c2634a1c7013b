// A background job's page: poll its JSON until it finishes, moving the progress bar (no inline scripts: CSP).
(function () {
  "use strict";

  const card = document.querySelector("[data-job-status-url]");
  if (!card) return;
  const bar = card.querySelector("[data-progress-bar]");
  const state = card.querySelector("[data-progress-state]");
  const count = card.querySelector("[data-progress-count]");
  const errors = card.querySelector("[data-progress-errors]");
  const done = card.querySelectorAll("[data-done]");
  const labels = {
    pending: card.dataset.labelPending, running: card.dataset.labelRunning,
    succeeded: card.dataset.labelSucceeded, failed: card.dataset.labelFailed,
  };

  function show(status) {
    bar.style.width = status.percent + "%";
    bar.parentElement.setAttribute("aria-valuenow", String(status.percent));
    state.textContent = labels[status.state] || status.state;
    count.textContent = status.processed + " / " + status.total;
    if (status.state === "failed") {
      bar.classList.replace("bg-success", "bg-danger");
      errors.textContent = status.errors.map(function (e) { return e.message; }).join("；");
      errors.classList.remove("d-none");
      card.querySelectorAll("[data-retry]").forEach(function (el) { el.classList.remove("d-none"); });
    }
    if (status.state === "succeeded") {
      done.forEach(function (el) { el.classList.remove("d-none"); });
    }
  }

  async function poll() {
    try {
      const response = await fetch(card.dataset.jobStatusUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const status = await response.json();
        show(status);
        if (status.state === "succeeded" || status.state === "failed") return;
      }
    } catch (error) {
      // a network hiccup: try again at the next tick
    }
    window.setTimeout(poll, 1500);
  }

  bar.style.width = (parseInt(card.dataset.percent, 10) || 0) + "%";
  if (card.dataset.state !== "succeeded" && card.dataset.state !== "failed") poll();
})();

// The import job page: draws the progress bar and polls the job's JSON until it finishes, then reloads
// so the server renders the result (counts or the error table). No inline script or style (CSP).
(function () {
  "use strict";
  const box = document.getElementById("import-job");
  if (!box) return;
  const bar = box.querySelector("[data-role=bar]");
  const count = box.querySelector("[data-role=count]");
  const stateLabel = box.querySelector("[data-role=state]");

  function draw(processed, total, done) {
    const percent = done ? 100 : total > 0 ? Math.min(100, Math.round((processed / total) * 100)) : 0;
    bar.style.width = percent + "%";
    bar.textContent = percent + "%";
    bar.parentElement.setAttribute("aria-valuenow", String(percent));
  }

  draw(Number(bar.dataset.processed || 0), Number(bar.dataset.total || 0), bar.dataset.done === "1");
  if (box.dataset.state === "succeeded" || box.dataset.state === "failed") return;

  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const job = await response.json();
        draw(job.processed, job.total, job.state === "succeeded");
        count.textContent = job.processed + " / " + job.total;
        stateLabel.textContent = box.dataset["label" + job.state.charAt(0).toUpperCase() + job.state.slice(1)] || job.state;
        if (job.state === "succeeded" || job.state === "failed") {
          window.location.reload();
          return;
        }
      }
    } catch (e) {
      // network hiccup: try again on the next tick
    }
    window.setTimeout(poll, 1000);
  }
  window.setTimeout(poll, 500);
})();

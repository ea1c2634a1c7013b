// Place pickers on the public pages (templates/_macros/places.html): the server fills each level from the one
// above, so choosing a province re-submits the form and the cities appear; a changed level clears the ones
// below it. Without JavaScript the 筛选 button does the same. No inline script: CSP.
(function () {
  "use strict";
  document.querySelectorAll("select[data-place-level]").forEach(function (select) {
    select.addEventListener("change", function () {
      const level = Number(select.dataset.placeLevel);
      select.form.querySelectorAll("select[data-place-level]").forEach(function (other) {
        if (Number(other.dataset.placeLevel) > level) other.value = "";
      });
      select.form.submit();
    });
  });
})();

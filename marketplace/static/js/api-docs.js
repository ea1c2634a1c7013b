// Swagger UI for /api/v1, served from the swagger-ui-bundle package (no CDN).
window.addEventListener("load", function () {
  "use strict";
  const element = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: element.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
  });
});

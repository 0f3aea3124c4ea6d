// Starts Swagger UI (django-ninja's copy, served from our static files) on the API's schema.
// A file rather than inline script: the site's Content-Security-Policy allows only 'self'.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("swagger-ui");
  window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    domNode: root,
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // Tokens typed into "Authorize" stay in this page's memory, never in localStorage.
    persistAuthorization: false,
  });
});

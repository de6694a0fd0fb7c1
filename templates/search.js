// The archive search: Pagefind's UI over the index `digest build` writes to pagefind/.
// It needs the site served over http(s) (any sub-path): browsers refuse the index's module
// and fetches from file:, so there the box says so instead.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) {
    return;
  }
  var root = new URL(box.getAttribute("data-root") || "./", document.baseURI);
  box.hidden = false;
  if (location.protocol === "file:") {
    box.textContent = "Search works when the site is served, for example by digest serve.";
    return;
  }
  var bundle = new URL("pagefind/", root);
  var style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = new URL("pagefind-ui.css", bundle).href;
  document.head.appendChild(style);
  var script = document.createElement("script");
  script.src = new URL("pagefind-ui.js", bundle).href;
  script.onload = function () {
    new window.PagefindUI({
      element: "#search",
      bundlePath: bundle.href,
      baseUrl: root.pathname,
      showSubResults: true,
      showImages: false,
      resetStyles: false
    });
  };
  script.onerror = function () {
    box.textContent = "Search is off: this copy of the site has no search index.";
  };
  document.head.appendChild(script);
})();

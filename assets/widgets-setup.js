// Tell RequireJS where the widget bundle lives. The bundle computes the URL of its own font
// files from the location of its AMD modules; without these paths RequireJS would place them
// next to the page (chapters/@jupyter-widgets/...), and every icon font would 404.
(function () {
  var here = document.currentScript && document.currentScript.src;
  if (!here || typeof window.require === "undefined") { return; }
  var bundle = here.replace(/widgets-setup\.js(\?.*)?$/, "vendor/html-manager/embed-amd");
  var names = ["@jupyter-widgets/base", "@jupyter-widgets/controls", "@jupyter-widgets/output",
               "@jupyter-widgets/html-manager", "@jupyter-widgets/base7", "@jupyter-widgets/controls7",
               "@jupyter-widgets/html-manager/dist/libembed-amd"];
  var paths = {};
  names.forEach(function (name) { paths[name] = bundle; });
  window.require.config({ paths: paths });
})();

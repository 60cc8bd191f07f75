// The widget HTML manager typesets widget labels with MathJax 2's `MathJax.Hub.Queue`.
// The book uses MathJax 3, which has no Hub: give it a tiny one that calls MathJax 3's
// typesetPromise, so a widget label neither throws nor goes untypeset.
(function () {
  function install() {
    var mj = window.MathJax;
    if (!mj || mj.Hub) { return; }
    mj.Hub = {
      Queue: function (job) {
        var element = Array.isArray(job) ? job[2] : undefined;
        var current = window.MathJax;
        if (current && typeof current.typesetPromise === "function") {
          current.typesetPromise(element ? [element] : undefined).catch(function () {});
        }
      }
    };
  }
  install();
  document.addEventListener("DOMContentLoaded", install);
  window.addEventListener("load", install);
})();

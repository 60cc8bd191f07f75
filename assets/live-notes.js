// A live figure's note ("it needs a running Python") links to this chapter in Binder: the same
// address as the theme's launch button, so the link is right for every page without a build step.
document.addEventListener("DOMContentLoaded", function () {
  var launch = document.querySelector('a[href*="/v2/gh/"]');
  if (!launch) { return; }
  document.querySelectorAll(".nbcode-live-note a.nbcode-launch").forEach(function (link) {
    link.href = launch.href;
    link.hidden = false;
  });
});

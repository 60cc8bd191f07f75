// Make every sidebar button work, at every width.
//
// sphinx-book-theme 1.3 and pydata-sphinx-theme 0.17 bind their handlers (a dialog on narrow
// screens, a collapsed sidebar on wide ones) to the first `.primary-toggle` and the first
// `.secondary-toggle` in the page: copies in pydata's header, which this theme hides. The buttons a
// reader sees ("Site navigation" in the article header, "Contents") are later copies that nothing
// listens to. Forward their clicks to the bound copy, so both themes' behaviour applies unchanged.
document.addEventListener("DOMContentLoaded", () => {
  for (const selector of [".primary-toggle", ".secondary-toggle"]) {
    const [bound, ...visible] = document.querySelectorAll(selector);
    for (const button of visible) {
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        bound.click();
      });
    }
  }
});

// sphinx-copybutton in Korean, on the Korean edition's pages (sphinxext/korean_edition.py adds
// this script after copybutton.js). copybutton.js knows no Korean: it picks its words from its
// `messages` by <html lang> when it loads and makes the buttons once the page is ready, so the
// Korean words given here, between the two, reach every button's tooltip. Each button's accessible
// name is its icon's <title>, which copybutton.js wrote in English when it loaded and writes again
// after every copy: those are put in Korean as they appear.
if (typeof messages !== "undefined" && typeof locale !== "undefined") {
  messages.ko = {
    copy: "복사",
    copy_to_clipboard: "클립보드에 복사",
    copy_success: "복사했습니다!",
    copy_failure: "복사하지 못했습니다",
  };
  locale = "ko";
  const english = Object.fromEntries(Object.keys(messages.ko).map(key => [messages.en[key], messages.ko[key]]));
  const retitle = root => {
    for (const title of root.querySelectorAll(".copybtn svg title")) {
      const korean = english[title.textContent];
      if (korean) title.textContent = korean;  // only then: a change observed again finds nothing to do
    }
  };
  document.addEventListener("DOMContentLoaded", () => {
    retitle(document);
    new MutationObserver(changes => changes.forEach(change => retitle(change.target)))
      .observe(document.body, {childList: true, subtree: true});
  });
}

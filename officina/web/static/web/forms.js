// Small form behaviours declared in the markup, so that pages need no inline script
// (the Content-Security-Policy allows scripts from our static files only):
//   <select data-submit-on-change>      sends its form when the choice changes
//   <input data-select-on-click>        selects its whole text when clicked (addresses to copy)
//   <form data-confirm="Delete this?">  asks before sending
(function () {
  "use strict";
  document.addEventListener("change", (event) => {
    const field = event.target.closest("[data-submit-on-change]");
    if (field && field.form) field.form.requestSubmit();
  });
  document.addEventListener("click", (event) => {
    const field = event.target.closest("[data-select-on-click]");
    if (field) field.select();
  });
  document.addEventListener("submit", (event) => {
    const question = event.target.dataset ? event.target.dataset.confirm : undefined;
    if (question && !window.confirm(question)) event.preventDefault();
  });
})();

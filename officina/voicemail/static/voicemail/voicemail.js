// Playing a message marks it heard: the same POST as its "Mark as heard" button.
document.querySelectorAll("audio[data-heard-url]").forEach((audio) => {
  audio.addEventListener("play", () => {
    const form = audio.closest("li").querySelector("form.mark-heard");
    if (!form) return;
    const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    fetch(audio.dataset.heardUrl, {
      method: "POST",
      headers: { "X-CSRFToken": token, "HX-Request": "true" },
      credentials: "same-origin",
    }).then((response) => {
      if (response.ok) {
        form.remove();
        const item = audio.closest("li");
        item.classList.remove("unheard");
        item.querySelector(".badge")?.remove();
      }
    });
  }, { once: true });
});

/* Masthead's admin editor: say why an image dropped into the Markdown editor was refused.
 * django-markdownx inserts "Invalid response" into the text on a refused upload; this removes
 * that marker again (the editor's own text is untouched) and shows the server's message. */
(function () {
  "use strict";
  var MARKER = "Invalid response";

  function messageBox(container) {
    var box = container.querySelector(".upload-message");
    if (!box) {
      box = document.createElement("p");
      box.className = "upload-message";
      box.setAttribute("role", "alert");
      container.insertBefore(box, container.firstChild);
    }
    return box;
  }

  function describe(detail) {
    var response = detail && detail[0];
    try {
      var data = typeof response === "string" ? JSON.parse(response) : response;
      if (data && data.image) { return [].concat(data.image).join(" "); }
    } catch (error) { /* not JSON: fall through */ }
    return "The image could not be uploaded.";
  }

  function watch(container) {
    var editor = container.querySelector(".markdownx-editor");
    function refused(event) {
      messageBox(container).textContent = "Image refused: " + describe(event.detail);
      window.setTimeout(function () {
        var at = editor.value.lastIndexOf(MARKER);
        if (at !== -1) {
          editor.value = editor.value.slice(0, at) + editor.value.slice(at + MARKER.length);
        }
      }, 0);
    }
    container.addEventListener("markdownx.fileUploadError", refused);
    container.addEventListener("fileUploadError", refused);
    container.addEventListener("markdownx.fileUploadEnd", function () {
      messageBox(container).textContent = "";
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".markdownx").forEach(watch);
    // The share link is rendered as a path; show the full address to copy.
    document.querySelectorAll(".share-preview input").forEach(function (input) {
      input.value = new URL(input.value, window.location.origin).href;
    });
  });
  // Render the preview of an existing body at once, not only after the first keystroke.
  window.addEventListener("load", function () {
    document.querySelectorAll(".markdownx .markdownx-editor").forEach(function (editor) {
      if (editor.value) { editor.dispatchEvent(new Event("input")); }
    });
  });
})();

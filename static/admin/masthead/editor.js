/* Masthead's article editor in the Django admin: a Markdown toolbar with shortcuts, image upload
 * asking for alt text, live counts and previews, autosave, the unsaved-changes guard and Ctrl+S.
 *
 * Every insertion goes through document.execCommand("insertText"), so the browser's own undo
 * history (Ctrl+Z) keeps working; django-markdownx's hotkeys, which rewrite the whole value and
 * lose that history, are kept from running. Tab leaves the text area, as everywhere else. */
(function () {
  "use strict";

  var WORDS_PER_MINUTE = 265, CJK_PER_MINUTE = 500;  // articles/reading.py
  var IMAGE = /!\[[^\]]*\]\([^)]*\)|<img\b[^>]*>/gi;
  var LINK_TARGET = /\]\([^)]*\)/g;
  var CJK = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]/g;
  var WORD = /[\p{L}\p{N}]+(?:['\u2019-][\p{L}\p{N}]+)*/gu;
  var AUTOSAVE_EVERY = 5000;
  var AUTOSAVED = ["title", "subtitle", "slug", "description", "body", "hero_image_alt", "hero_image_url", "cta",
    "read_time_override"];

  function $(selector, root) { return (root || document).querySelector(selector); }
  function isMac() { return /Mac|iPhone|iPad/.test(navigator.platform || ""); }
  function mod(event) { return isMac() ? event.metaKey : event.ctrlKey; }

  // ---- inserting text, undoably ----------------------------------------------------------

  function insert(editor, text, selectFrom, selectTo) {
    var start = editor.selectionStart;
    editor.focus();
    if (!document.execCommand("insertText", false, text)) {
      editor.setRangeText(text, editor.selectionStart, editor.selectionEnd, "end");  // no undo, but no loss
      editor.dispatchEvent(new Event("input", {bubbles: true}));
    }
    if (selectFrom !== undefined) {
      editor.setSelectionRange(start + selectFrom, start + (selectTo === undefined ? selectFrom : selectTo));
    }
  }

  function selected(editor) { return editor.value.slice(editor.selectionStart, editor.selectionEnd); }

  function wrap(editor, before, after, placeholder) {
    var text = selected(editor) || placeholder;
    insert(editor, before + text + after, before.length, before.length + text.length);
  }

  function prefixLines(editor, prefix) {
    var value = editor.value;
    var start = value.lastIndexOf("\n", editor.selectionStart - 1) + 1;
    var end = value.indexOf("\n", editor.selectionEnd);
    if (end === -1 || (editor.selectionEnd > editor.selectionStart && value[editor.selectionEnd - 1] === "\n")) {
      end = end === -1 ? value.length : editor.selectionEnd - 1;
    }
    editor.setSelectionRange(start, end);
    var lines = value.slice(start, end).split("\n");
    var numbered = typeof prefix === "function";
    var text = lines.map(function (line, i) { return (numbered ? prefix(i) : prefix) + line; }).join("\n");
    insert(editor, text, text.length);
  }

  var COMMANDS = {
    bold: function (e) { wrap(e, "**", "**", "bold text"); },
    italic: function (e) { wrap(e, "_", "_", "italic text"); },
    link: function (e) {
      var text = selected(e) || "link text";
      insert(e, "[" + text + "](https://)", text.length + 3, text.length + 11);
    },
    heading: function (e) { prefixLines(e, "## "); },
    list: function (e) { prefixLines(e, "- "); },
    numbered: function (e) { prefixLines(e, function (i) { return (i + 1) + ". "; }); },
    quote: function (e) { prefixLines(e, "> "); },
    code: function (e) {
      var text = selected(e);
      if (text.indexOf("\n") !== -1) { insert(e, "```\n" + text + "\n```", 4, 4 + text.length); }
      else { wrap(e, "`", "`", "code"); }
    }
  };

  var BUTTONS = [
    ["bold", "B", "Bold", "B"], ["italic", "I", "Italic", "I"], ["link", "Link", "Link", "K"],
    ["heading", "H", "Heading", "Alt+2"], ["list", "• List", "Bulleted list", "Shift+8"],
    ["numbered", "1. List", "Numbered list", "Shift+7"], ["quote", "“ Quote", "Quote", "Shift+9"],
    ["code", "Code", "Code", "E"], ["image", "Image…", "Insert an image", "Shift+I"]
  ];

  function shortcutName(keys) { return (isMac() ? "⌘" : "Ctrl+") + keys; }

  function commandFor(event) {
    if (!mod(event)) { return null; }
    var key = event.key.toLowerCase(), code = event.code;
    if (event.altKey && (code === "Digit2" || key === "2")) { return "heading"; }
    if (event.altKey) { return null; }
    if (event.shiftKey) {
      if (code === "Digit8") { return "list"; }
      if (code === "Digit7") { return "numbered"; }
      if (code === "Digit9") { return "quote"; }
      if (key === "i") { return "image"; }
      return null;
    }
    return {b: "bold", i: "italic", k: "link", e: "code"}[key] || null;
  }

  // ---- images: button, drop, paste; alt text asked for ---------------------------------

  function csrfToken() {
    var field = $("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function altDialog() {
    var dialog = $("#alt-text-dialog");
    if (dialog) { return dialog; }
    dialog = document.createElement("dialog");
    dialog.id = "alt-text-dialog";
    dialog.className = "alt-dialog";
    dialog.setAttribute("aria-labelledby", "alt-text-label");
    dialog.innerHTML =
      '<form method="dialog">' +
      '<p><label id="alt-text-label" for="alt-text-input">Describe the image for readers who cannot see it</label></p>' +
      '<p><input id="alt-text-input" type="text" size="50" autocomplete="off"></p>' +
      '<p class="alt-dialog-help">Say what it shows, as you would to someone on the phone. Leave it empty only for a purely decorative image.</p>' +
      '<p><button type="submit" value="insert" class="button default">Use this description</button> ' +
      '<button type="submit" value="skip" class="button">Skip</button></p></form>';
    document.body.appendChild(dialog);
    return dialog;
  }

  function askAlt(editor, from) {
    var dialog = altDialog(), input = $("#alt-text-input", dialog);
    input.value = "";
    dialog.returnValue = "";
    dialog.addEventListener("close", function done() {
      dialog.removeEventListener("close", done);
      var alt = input.value.replace(/[\[\]\n]/g, " ").trim();
      editor.focus();
      editor.setSelectionRange(from + 2, from + 2);  // between "![" and "]"
      if (dialog.returnValue === "insert" && alt) { insert(editor, alt); }
      var end = editor.value.indexOf(")", from);
      if (end !== -1) { editor.setSelectionRange(end + 1, end + 1); }
      editor.dispatchEvent(new Event("input", {bubbles: true}));
    });
    dialog.showModal();
    input.focus();
  }

  function describe(data) {
    if (data && data.image) { return [].concat(data.image).join(" "); }
    return "The image could not be uploaded.";
  }

  function upload(container, file) {
    var editor = $(".markdownx-editor", container), message = $(".upload-message", container);
    var url = editor.getAttribute("data-markdownx-upload-urls-path");
    var body = new FormData();
    body.append("image", file);
    message.textContent = "";
    editor.style.opacity = "0.4";
    return fetch(url, {method: "POST", body: body, credentials: "same-origin", headers: {"X-CSRFToken": csrfToken()}})
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (!response.ok || !data.image_code) { throw new Error(describe(data)); }
          return data.image_code;
        });
      })
      .then(function (code) {
        editor.style.opacity = "1";
        var from = editor.selectionStart;
        var before = from > 0 && editor.value[from - 1] !== "\n" ? "\n\n" : "";
        insert(editor, before + code + "\n");
        askAlt(editor, from + before.length);
      })
      .catch(function (error) {
        editor.style.opacity = "1";
        message.textContent = "Image refused: " + error.message;
      });
  }

  function imageFiles(list) {
    return Array.prototype.filter.call(list || [], function (file) { return file && file.size >= 0; });
  }

  // ---- counts and previews ---------------------------------------------------------------

  function readingStats(body) {
    var images = (body.match(IMAGE) || []).length;
    var text = body.replace(IMAGE, " ").replace(LINK_TARGET, "]");
    var cjk = (text.match(CJK) || []).length;
    var words = (text.replace(CJK, " ").match(WORD) || []).length;
    var seconds = words / WORDS_PER_MINUTE * 60 + cjk / CJK_PER_MINUTE * 60;
    for (var i = 0; i < images; i++) { seconds += Math.max(12 - i, 3); }
    return {words: words + cjk, minutes: Math.max(1, Math.floor(seconds / 60 + 0.5))};
  }

  function counter(input, range, what) {
    var box = document.createElement("p");
    box.className = "help length-counter";
    box.setAttribute("aria-live", "polite");
    box.id = input.id + "_counter";
    input.setAttribute("aria-describedby", ((input.getAttribute("aria-describedby") || "") + " " + box.id).trim());
    var parent = input.closest(".flex-container") || input.parentNode;
    parent.parentNode.insertBefore(box, parent.nextSibling);
    function update() {
      var length = input.value.trim().length;
      var state = length > range[1] ? "over" : length < range[0] ? "under" : "fine";
      box.className = "help length-counter length-" + state;
      box.textContent = length + " / " + range[1] + " characters" +
        (state === "over" ? ": search engines cut " + what + " after about " + range[1] + "." :
          state === "under" ? ": aim for " + range[0] + "–" + range[1] + "." : ".");
    }
    input.addEventListener("input", update);
    update();
  }

  function plainText(markdown) {
    return markdown.replace(IMAGE, " ").replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[#>*_`~|-]+/g, " ")
      .replace(/\s+/g, " ").trim();
  }

  function truncate(text, length) {
    return text.length > length ? text.slice(0, length - 1).replace(/\s+\S*$/, "") + "…" : text;
  }

  function livePreviews(form) {
    var box = $(".share-previews", form);
    if (!box) { return; }
    var ranges = {title: 70, description: 160};
    var site = ($("#masthead-editor") || {dataset: {}}).dataset.siteUrl || "";
    var heroFile = $("#id_hero_image", form), heroUrl = $("#id_hero_image_url", form);
    var heroClear = $("#hero_image-clear_id", form);
    var hero = $(".social-card-hero", box), generated = $(".social-card-generated", box);
    var initialHero = hero ? hero.getAttribute("src") : "";
    if (!hero) {  // no image yet: made here, so the page never holds an <img> without a source
      hero = document.createElement("img");
      hero.className = "social-card-hero";
      hero.alt = "";
      hero.hidden = true;
      generated.parentNode.insertBefore(hero, generated);
    }
    var chosen = "";
    function field(name) { var el = $("#id_" + name, form); return el ? el.value : ""; }
    function update() {
      var title = field("title").trim() || "(no title yet)";
      var description = field("description").trim() || plainText(field("body"));
      var url = site + "/articles/" + (field("slug").trim() || "…") + "/";
      box.querySelectorAll(".snippet-title, .social-card-title").forEach(function (el) {
        el.textContent = truncate(title, ranges.title);
      });
      $(".snippet-description", box).textContent = truncate(description, ranges.description) ||
        "(no description: search engines will pick text from the page)";
      $(".social-card-description", box).textContent = truncate(description, ranges.description);
      $(".snippet-url", box).textContent = url;
      $(".social-card-host", box).textContent = url;
      $(".social-card-generated-title", box).textContent = title;
      var image = chosen || (heroClear && heroClear.checked ? "" : initialHero) || (heroUrl && heroUrl.value.trim());
      hero.hidden = !image;
      generated.hidden = !!image;
      if (image && hero.getAttribute("src") !== image) { hero.setAttribute("src", image); }
      if (!image) { hero.removeAttribute("src"); }
    }
    form.addEventListener("input", update);
    form.addEventListener("change", function (event) {
      if (event.target === heroFile) {
        if (chosen) { URL.revokeObjectURL(chosen); }
        chosen = heroFile.files[0] ? URL.createObjectURL(heroFile.files[0]) : "";
      }
      update();
    });
    update();
  }

  // ---- the body editor ---------------------------------------------------------------------

  function setUpEditor(container) {
    var editor = $(".markdownx-editor", container);
    if (!editor || container.hasAttribute("data-masthead")) { return; }
    container.setAttribute("data-masthead", "");

    var toolbar = document.createElement("div");
    toolbar.className = "markdown-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Formatting");
    toolbar.setAttribute("aria-controls", editor.id);
    BUTTONS.forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "toolbar-" + spec[0];
      button.textContent = spec[1];
      button.title = spec[2] + " (" + shortcutName(spec[3]) + ")";
      button.setAttribute("aria-label", spec[2]);
      button.setAttribute("aria-keyshortcuts", (isMac() ? "Meta+" : "Control+") + spec[3]);
      button.setAttribute("data-command", spec[0]);
      toolbar.appendChild(button);
    });
    var picker = document.createElement("input");
    picker.type = "file";
    picker.accept = "image/jpeg,image/png,image/webp,image/gif";
    picker.hidden = true;
    picker.className = "toolbar-image-picker";
    picker.setAttribute("aria-label", "Image to insert");
    toolbar.appendChild(picker);
    container.insertBefore(toolbar, container.firstChild);

    var message = document.createElement("p");
    message.className = "upload-message";
    message.setAttribute("role", "alert");
    container.appendChild(message);
    var stats = document.createElement("p");
    stats.className = "body-stats";
    stats.setAttribute("aria-live", "polite");
    container.appendChild(stats);

    function run(command) {
      if (command === "image") { picker.click(); return; }
      COMMANDS[command](editor);
    }
    toolbar.addEventListener("mousedown", function (event) {
      if (event.target.closest("button")) { event.preventDefault(); }  // keep the selection in the text
    });
    toolbar.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-command]");
      if (button) { run(button.getAttribute("data-command")); }
    });
    picker.addEventListener("change", function () {
      imageFiles(picker.files).forEach(function (file) { upload(container, file); });
      picker.value = "";
    });

    // Before django-markdownx's own listeners on the text area (capture on its container).
    container.addEventListener("keydown", function (event) {
      if (event.target !== editor) { return; }
      if (event.key === "Tab") { event.stopPropagation(); return; }  // the browser moves the focus
      var command = commandFor(event);
      if (command) { event.preventDefault(); event.stopPropagation(); run(command); return; }
      if (mod(event) && /^[d\[\]]$/i.test(event.key)) { event.stopPropagation(); }  // markdownx's value rewrites
    }, true);
    function takeFiles(event, list) {
      var files = imageFiles(list);
      if (!files.length) { return; }
      event.preventDefault();
      event.stopPropagation();
      files.forEach(function (file) { upload(container, file); });
    }
    container.addEventListener("drop", function (event) {
      if (event.target !== editor) { return; }
      if (event.dataTransfer && event.dataTransfer.files.length) { takeFiles(event, event.dataTransfer.files); }
    }, true);
    container.addEventListener("paste", function (event) {
      if (event.target !== editor) { return; }
      if (event.clipboardData && event.clipboardData.files.length) { takeFiles(event, event.clipboardData.files); }
    }, true);

    function count() {
      var result = readingStats(editor.value);
      stats.textContent = result.words + (result.words === 1 ? " word" : " words") + " · " + result.minutes + " min read";
    }
    editor.addEventListener("input", count);
    count();
  }

  // ---- nothing lost: autosave, the leaving guard, Ctrl+S -----------------------------------

  function snapshot(form) {
    var parts = [];
    new FormData(form).forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || name === "held_hero_image") { return; }
      parts.push(name + "=" + (typeof value === "string" ? value.replace(/\r\n/g, "\n") : value.name + ":" + value.size));
    });
    return parts.join("&");
  }

  function autosaveData(form) {
    var data = new FormData();
    data.append("csrfmiddlewaretoken", csrfToken());
    AUTOSAVED.forEach(function (name) {
      var field = form.elements[name];
      if (field && !field.disabled) { data.append(name, field.value); }
    });
    var version = form.elements.loaded_version;
    if (version) { data.append("loaded_version", version.value); }
    return data;
  }

  function keptText(form) {
    return AUTOSAVED.map(function (name) {
      var field = form.elements[name];
      return field ? name + "=" + field.value : "";
    }).join("&");
  }

  function setUpSafety(form) {
    var config = $("#masthead-editor");
    var url = config && config.getAttribute("data-autosave-url");
    var status = form.querySelectorAll(".autosave-status");
    // The admin's own widgets (tags, dates) rearrange the form as the page loads: compare with
    // the form as it stands once loaded, and only after the editor has touched it.
    var initial = null, kept = keptText(form), submitting = false, touched = false;
    function settle() { initial = snapshot(form); kept = keptText(form); }
    if (document.readyState === "complete") { window.setTimeout(settle, 0); }
    else { window.addEventListener("load", function () { window.setTimeout(settle, 0); }); }
    form.addEventListener("input", function () { touched = true; });
    form.addEventListener("change", function () { touched = true; });
    function say(text) { status.forEach(function (el) { el.textContent = text; }); }

    if (url && form.elements.body && !form.elements.body.disabled) {
      var save = function () {
        var text = keptText(form);
        if (text === kept) { return; }
        fetch(url, {method: "POST", body: autosaveData(form), credentials: "same-origin"})
          .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
          .then(function (data) { kept = text; say("Private copy kept at " + data.saved + " (not published)"); })
          .catch(function () { say("Could not keep a private copy: save to be sure."); });
      };
      window.setInterval(save, AUTOSAVE_EVERY);
      var leave = function () {
        if (!submitting && keptText(form) !== kept && navigator.sendBeacon) {
          if (navigator.sendBeacon(url, autosaveData(form))) { kept = keptText(form); }
        }
      };
      window.addEventListener("pagehide", leave);
      document.addEventListener("visibilitychange", function () { if (document.visibilityState === "hidden") { leave(); } });

      var offer = $(".autosave-offer");
      if (offer) {
        var fields = JSON.parse($("#autosave-fields").textContent);
        $(".autosave-restore", offer).addEventListener("click", function () {
          Object.keys(fields).forEach(function (name) {
            var field = form.elements[name];
            if (!field || field.disabled) { return; }
            field.value = fields[name];
            field.dispatchEvent(new Event("input", {bubbles: true}));
          });
          offer.remove();
          say("Restored your unsaved work: save to keep it.");
          form.elements.body.focus();
        });
        $(".autosave-discard", offer).addEventListener("click", function () {
          var data = new FormData();
          data.append("csrfmiddlewaretoken", csrfToken());
          data.append("discard", "1");
          fetch(url, {method: "POST", body: data, credentials: "same-origin"}).then(function () { offer.remove(); });
        });
      }
    }

    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (submitting || !touched || initial === null || snapshot(form) === initial) { return; }
      event.preventDefault();
      event.returnValue = "";  // the browser asks whether to leave
    });
    document.addEventListener("keydown", function (event) {
      if (mod(event) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "s") {
        event.preventDefault();
        var button = form.querySelector(".submit-row input[name=_continue]");
        if (button) { form.requestSubmit(button); }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".markdownx").forEach(setUpEditor);
    var form = $("#article_form");
    if (form) {
      var title = $("#id_title", form), description = $("#id_description", form);
      if (title) { counter(title, [20, 70], "titles"); }
      if (description) { counter(description, [50, 160], "descriptions"); }
      livePreviews(form);
      setUpSafety(form);
    }
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

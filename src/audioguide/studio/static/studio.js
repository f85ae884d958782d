// audioguide studio: the page's behaviour. No framework, no inline script (strict CSP).
"use strict";

(function () {
  const token = document.querySelector('meta[name="studio-token"]').content;
  const version = document.querySelector('meta[name="studio-version"]').content;
  const player = document.getElementById("player");
  const now = document.getElementById("now");
  const status = document.getElementById("status");
  const heading = document.getElementById("episode");
  const where = heading ? { edition: heading.dataset.edition, episode: heading.dataset.episode } : {};
  let picked = null; // the sentence a word was selected in: {segment, text}
  let blobUrl = null;

  function say(message) {
    status.textContent = "";
    // A fresh text node, so a screen reader announces the same words twice too.
    window.setTimeout(() => { status.textContent = message; }, 30);
  }

  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Studio-Token": token },
      body: JSON.stringify(data || {}),
    });
    return response;
  }

  async function answer(response) {
    try {
      return await response.json();
    } catch (e) {
      return { ok: false, message: `The studio answered ${response.status}.`, errors: [] };
    }
  }

  function playUrl(url, label) {
    player.src = url;
    now.textContent = label;
    player.play().catch(() => {}); // a browser may refuse to start sound by itself
  }

  async function speak(segment, text, label, extra) {
    say(`Speaking ${label}…`);
    const response = await post("/api/speak", Object.assign({ segment, text }, where, extra || {}));
    if (!response.ok) {
      const found = await answer(response);
      say(found.message || "Could not speak it.");
      return;
    }
    const seconds = Number(response.headers.get("X-Seconds"));
    const blob = await response.blob();
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    blobUrl = URL.createObjectURL(blob);
    playUrl(blobUrl, `${label} (${seconds.toFixed(1)} s)`);
    player.dataset.seconds = String(seconds);
    say(`Playing ${label}.`);
  }

  function showErrors(box, found) {
    box.textContent = "";
    const p = document.createElement("p");
    p.textContent = found.message || "";
    box.appendChild(p);
    if (found.errors && found.errors.length) {
      const list = document.createElement("ul");
      list.className = "diagnostics";
      for (const line of found.errors) {
        const item = document.createElement("li");
        item.className = "error";
        const code = document.createElement("code");
        code.textContent = line;
        item.appendChild(code);
        list.appendChild(item);
      }
      box.appendChild(list);
    }
  }

  function reloadWith(message, focusId) {
    sessionStorage.setItem("studio-message", message);
    if (focusId) sessionStorage.setItem("studio-focus", focusId);
    window.location.reload();
  }

  async function save(url, data, box, focusId) {
    const response = await post(url, Object.assign({}, where, data));
    const found = await answer(response);
    if (response.ok && found.ok) {
      reloadWith(found.message, focusId);
    } else {
      showErrors(box, found);
      say(found.message || "Not saved.");
    }
  }

  function segmentOf(el) {
    return Number(el.closest("[data-segment]").dataset.segment);
  }

  function sentenceOf(el) {
    const li = el.closest("[data-sentence]");
    return { li, index: Number(li.dataset.sentence), text: li.querySelector(".text").textContent };
  }

  function openForm(button, form, field) {
    form.hidden = false;
    button.setAttribute("aria-expanded", "true");
    field.focus();
  }

  function closeForm(form) {
    form.hidden = true;
    const opener = document.querySelector(`[aria-controls="${form.id}"]`);
    if (opener) {
      opener.setAttribute("aria-expanded", "false");
      opener.focus();
    }
  }

  const actions = {
    async play(button) {
      const s = sentenceOf(button);
      await speak(segmentOf(button), s.text, `sentence ${s.index + 1}`);
    },
    edit(button) {
      const s = sentenceOf(button);
      const form = s.li.querySelector(".edit");
      openForm(button, form, form.querySelector("textarea"));
    },
    async hear(button) {
      const s = sentenceOf(button);
      const text = s.li.querySelector("textarea").value;
      await speak(segmentOf(button), text, `the edited sentence ${s.index + 1}`);
    },
    async "save-sentence"(button) {
      const s = sentenceOf(button);
      const field = s.li.querySelector("textarea");
      await save(
        "/api/sentence",
        { segment: segmentOf(button), sentence: s.index, old: field.dataset.old, text: field.value },
        s.li.querySelector(".errors"),
        s.li.id,
      );
    },
    cancel(button) {
      closeForm(button.closest(".edit"));
    },
    async "edit-say"(button) {
      const form = document.getElementById(button.getAttribute("aria-controls"));
      const field = form.querySelector("textarea");
      const response = await post("/api/say-text", Object.assign({ segment: segmentOf(button) }, where));
      field.value = (await answer(response)).text || "";
      openForm(button, form, field);
    },
    async "hear-say"(button) {
      const text = button.closest(".edit").querySelector("textarea").value;
      await speak(segmentOf(button), text, "the edited text");
    },
    async "save-say"(button) {
      const form = button.closest(".edit");
      const segment = segmentOf(button);
      await save("/api/say", { segment, text: form.querySelector("textarea").value },
        form.querySelector(".errors"), `segment-${segment}`);
    },
    async status() {
      const value = document.getElementById("status-select").value;
      await save("/api/status", { status: value }, document.getElementById("lexicon-errors"), "status-select");
    },
    async preview(button) {
      const chapter = button.dataset.chapter;
      const label = chapter ? `the chapter ${chapter}` : "the whole episode";
      say(`Rendering ${label}…`);
      button.disabled = true;
      try {
        const response = await post("/api/preview", Object.assign(chapter ? { chapter } : {}, where));
        const found = await answer(response);
        if (response.ok && found.ok) {
          playUrl(`${found.url}?t=${Date.now()}`, label);
          say(`Playing ${label}.`);
        } else {
          say(found.message || "Could not render it.");
        }
      } finally {
        button.disabled = false;
      }
    },
    async "lexicon-hear"() {
      // The sentence the word was selected in (kept across the reload a save makes),
      // said with the guide's lexicon as saved.
      const word = document.getElementById("word").value.trim();
      if (picked) {
        await speak(picked.segment, picked.text, "the sentence again");
      } else if (word && firstSay() !== null) {
        await speak(firstSay(), word, `the word ${word}`);
      } else {
        say("Select a word in a sentence first.");
      }
    },
    async "lexicon-add"() {
      const word = document.getElementById("word").value;
      const sayAs = document.getElementById("say-as").value;
      await save("/api/lexicon", { word, say_as: sayAs }, document.getElementById("lexicon-errors"), "word");
    },
    async build(button) {
      button.disabled = true;
      const response = await post("/api/build", {});
      if (response.status !== 202 && response.status !== 409) {
        say(`The build did not start (${response.status}).`);
        button.disabled = false;
        return;
      }
      say("Build started.");
      followBuild(button);
    },
  };

  function firstSay() {
    const seg = document.querySelector(".segment.say");
    return seg ? Number(seg.dataset.segment) : null;
  }

  async function followBuild(button) {
    const box = document.getElementById("build-state");
    const stage = document.getElementById("build-stage");
    const bar = document.getElementById("build-progress");
    const summary = document.getElementById("build-summary");
    box.hidden = false;
    summary.hidden = true;
    for (;;) {
      const found = await (await fetch("/api/build")).json();
      if (found.state === "running") {
        stage.textContent = found.total ? `${found.stage} ${found.done} of ${found.total}` : found.stage || "Starting";
        bar.max = Math.max(found.total, 1);
        bar.value = found.done;
        await new Promise((r) => window.setTimeout(r, 400));
        continue;
      }
      box.hidden = true;
      summary.hidden = false;
      button.disabled = false;
      if (found.state === "done") {
        summary.textContent = found.lines.join("\n");
        say("Build finished. " + (found.lines.filter((l) => l.trim()).slice(-2).join(" ")));
      } else {
        summary.textContent = found.error;
        say("The build failed: " + found.error);
      }
      summary.focus();
      return;
    }
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button || !actions[button.dataset.action]) return;
    event.preventDefault();
    actions[button.dataset.action](button);
  });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      const form = event.target.closest && event.target.closest(".edit");
      if (form && !form.hidden) closeForm(form);
    }
  });

  // A word selected in a sentence fills the pronunciation form.
  document.addEventListener("selectionchange", () => {
    const selection = document.getSelection();
    if (!selection || selection.isCollapsed || !selection.anchorNode) return;
    const holder = selection.anchorNode.parentElement;
    const text = holder && holder.closest(".sentence .text");
    const word = selection.toString().trim();
    if (!text || !word || word.length > 60) return;
    document.getElementById("word").value = word;
    picked = { segment: segmentOf(text), text: text.textContent };
    showPicked();
  });

  function showPicked() {
    const where = document.getElementById("lexicon-sentence");
    if (where && picked) where.textContent = `Hear: “${picked.text}”`;
    if (picked) sessionStorage.setItem("studio-picked", JSON.stringify(Object.assign({ page: location.pathname }, picked)));
  }
  try {
    const kept = JSON.parse(sessionStorage.getItem("studio-picked") || "null");
    if (kept && kept.page === location.pathname) { picked = kept; showPicked(); }
  } catch (e) { /* nothing kept */ }

  // After a save the page is reloaded: say what happened and put focus back.
  const message = sessionStorage.getItem("studio-message");
  const focusId = sessionStorage.getItem("studio-focus");
  sessionStorage.removeItem("studio-message");
  sessionStorage.removeItem("studio-focus");
  if (message) say(message);
  if (focusId) {
    const target = document.getElementById(focusId);
    const focusable = target && (target.matches("button, input, select, textarea")
      ? target : target.querySelector("button"));
    if (focusable) focusable.focus();
  }

  // Files saved by another editor: load the page again unless something is being edited.
  function editing() {
    return [...document.querySelectorAll(".edit")].some((f) => !f.hidden)
      || document.getElementById("word")?.value;
  }
  window.setInterval(async () => {
    try {
      const found = await (await fetch("/api/version")).json();
      if (String(found.version) !== version) {
        if (editing()) say("A file changed on disk; save or cancel, then reload to see it.");
        else reloadWith("A file changed on disk: the page shows it now.");
      }
    } catch (e) { /* the studio stopped */ }
  }, 1500);

  const building = document.getElementById("build");
  if (building) {
    fetch("/api/build").then((r) => r.json()).then((found) => {
      if (found.state === "running") { building.disabled = true; followBuild(building); }
    });
  }
})();

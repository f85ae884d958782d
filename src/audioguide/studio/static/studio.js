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

  let said = 0;
  function say(message) {
    status.textContent = "";
    const mine = ++said;
    // A fresh text node, so a screen reader announces the same words twice too.
    window.setTimeout(() => { status.textContent = message; }, 30);
    // Out of the way once read; a conflict or an error stays in its own box.
    window.setTimeout(() => { if (mine === said) status.textContent = ""; }, 15000);
  }

  const NOT_ANSWERING = "The studio is not answering: it may have stopped. Your text is still "
    + "on this page; start audioguide studio again, then try once more.";

  // A studio that stopped answers nothing: a Response-like answer that says so.
  function noAnswer() {
    stopped(true);
    return { ok: false, status: 0, headers: new Headers(),
      json: async () => ({ ok: false, message: NOT_ANSWERING, errors: [] }) };
  }

  async function post(url, data) {
    try {
      return await fetch(url, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Studio-Token": token },
        body: JSON.stringify(data || {}),
      });
    } catch (e) {
      return noAnswer();
    }
  }

  async function answer(response) {
    try {
      return await response.json();
    } catch (e) {
      return { ok: false, message: "The studio sent an answer this page cannot read; "
        + "reload the page (your text is still here).", errors: [] };
    }
  }

  function stopped(yes) {
    const banner = document.getElementById("stopped");
    if (banner) banner.hidden = !yes;
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

  let leaving = false; // a reload this page asked for: no question about unsaved text

  function reloadWith(message, focusId) {
    sessionStorage.setItem("studio-message", message);
    if (focusId) sessionStorage.setItem("studio-focus", focusId);
    leaving = true;
    window.location.reload();
  }

  async function save(url, data, box, focusId) {
    const response = await post(url, Object.assign({}, where, data));
    const found = await answer(response);
    if (response.ok && found.ok) {
      reloadWith(found.message, focusId);
    } else if (found.conflict) {
      showConflict(box, found, focusId);
      say(found.message);
    } else {
      showErrors(box, found);
      say(found.message || "Not saved.");
    }
  }

  function block(tag, className, text) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (text !== undefined) el.textContent = text;
    return el;
  }

  function showVersion(caption, words) {
    const figure = block("figure");
    figure.appendChild(block("figcaption", "", caption));
    figure.appendChild(block("pre", "", words === null ? "(not in the file any more)" : words));
    return figure;
  }

  // Someone else saved what this edit replaces: both versions, and a choice. The typed
  // text stays in the form (and in "Yours") until the staff member chooses.
  let conflicts = 0;
  function showConflict(box, found, focusId) {
    const c = found.conflict;
    conflicts += 1;
    box.textContent = "";
    const shown = block("div", "conflict");
    shown.setAttribute("role", "group");
    shown.setAttribute("aria-label", "Changed by someone else");
    shown.appendChild(block("p", "message", found.message));
    const versions = block("div", "versions");
    if (c.mine !== null) versions.appendChild(showVersion("Yours (not saved yet)", c.mine));
    versions.appendChild(showVersion("In the file now (saved by someone else)", c.theirs));
    shown.appendChild(versions);
    let merged = null;
    if (c.retry && c.retry.field) {
      const id = `merge-${conflicts}`;
      const label = block("label", "", "Merge by hand (starts as yours)");
      label.htmlFor = id;
      merged = block("textarea");
      merged.id = id;
      merged.rows = 5;
      merged.value = c.mine;
      merged.dataset.old = c.theirs || "";
      shown.appendChild(label);
      shown.appendChild(merged);
    }
    const buttons = block("p");
    const choose = (text, act) => {
      const b = block("button", "", text);
      b.type = "button";
      b.addEventListener("click", act);
      buttons.appendChild(b);
      return b;
    };
    if (c.retry) {
      const data = (words) => Object.assign({}, c.retry.data, c.retry.field ? { [c.retry.field]: words } : {});
      const mine = c.retry.field ? "Keep mine" : "Do it anyway";
      const first = choose(mine, () => save(c.retry.url, data(c.mine), box, focusId));
      if (merged) choose("Save the merged text", () => save(c.retry.url, data(merged.value), box, focusId));
      first.dataset.choice = "mine";
    }
    choose(c.theirs === null ? "Reload the page" : "Keep theirs", () => {
      // Kept for the page after the reload, which shows it until dismissed: nothing
      // typed is lost, even by the choice that does not save it.
      if (c.mine) sessionStorage.setItem("studio-kept", c.mine);
      reloadWith(c.theirs === null ? "Reloaded." : "Kept the version in the file; yours was not saved.",
        focusId);
    }).dataset.choice = "theirs";
    shown.appendChild(buttons);
    box.appendChild(shown);
    shown.querySelector("button").focus();
  }

  function baseOf(el) {
    return el.closest("[data-segment]").dataset.base;
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
        { segment: segmentOf(button), base: baseOf(button), sentence: s.index, old: field.dataset.old, text: field.value },
        s.li.querySelector(".errors"),
        s.li.id,
      );
    },
    "edit-chapter"(button) {
      const form = document.getElementById(button.getAttribute("aria-controls"));
      openForm(button, form, form.querySelector("input"));
    },
    async "save-field"(button) {
      const input = document.getElementById(button.dataset.input);
      const key = button.dataset.field;
      const chapter = key === "chapter" ? { segment: segmentOf(button) } : {};
      const box = button.closest(".edit, .tool").querySelector(".errors");
      await save("/api/field", Object.assign({ field: key, old: input.dataset.old, text: input.value }, chapter),
        box, input.id);
    },
    async "edit-file"(button) {
      const form = document.getElementById(button.getAttribute("aria-controls"));
      const field = form.querySelector("textarea");
      if (!form.hidden) { field.focus(); return; }
      const fix = button.closest(".fix");
      const response = await post("/api/file-text", { edition: fix.dataset.edition, path: fix.dataset.path });
      const found = await answer(response);
      if (!response.ok) { say(found.message); return; }
      field.value = found.text;
      field.dataset.old = found.text;
      form.dataset.base = found.base;
      openForm(button, form, field);
    },
    async "save-file"(button) {
      const fix = button.closest(".fix");
      const form = button.closest(".edit");
      await save("/api/file", { edition: fix.dataset.edition, path: fix.dataset.path,
        base: form.dataset.base, text: form.querySelector("textarea").value },
        form.querySelector(".errors"), null);
    },
    "add-part"(button) {
      const form = document.getElementById(button.getAttribute("aria-controls"));
      openForm(button, form, form.querySelector("textarea"));
    },
    async "save-part"(button) {
      const form = button.closest(".edit");
      await save("/api/add-part", { segment: segmentOf(button), kind: form.dataset.kind,
        base: form.dataset.base, text: form.querySelector("textarea").value },
        form.querySelector(".errors"), `segment-${segmentOf(button) + 1}`);
    },
    async "add-episode"(button) {
      const form = button.closest(".new-episode");
      const field = (name) => form.querySelector(`[id^="ne-${name}-"]`).value;
      const response = await post("/api/episode", { edition: form.dataset.edition,
        title: field("title"), summary: field("summary"), text: field("text") });
      const found = await answer(response);
      const box = form.querySelector(".errors");
      if (response.ok && found.ok) {
        sessionStorage.setItem("studio-message", found.message);
        leaving = true;
        window.location.href = found.url;
      } else {
        showErrors(box, found);
        say(found.message || "Not added.");
      }
    },
    async move(button) {
      const cell = button.closest(".order");
      const box = button.closest(".edition").querySelector(".order-errors");
      await save("/api/move", { edition: cell.dataset.edition, episode: cell.dataset.episode,
        file: cell.dataset.file, neighbour: button.dataset.neighbour }, box, null);
    },
    cancel(button) {
      closeForm(button.closest(".edit"));
    },
    async "edit-say"(button) {
      const form = document.getElementById(button.getAttribute("aria-controls"));
      const field = form.querySelector("textarea");
      const response = await post("/api/say-text", Object.assign({ segment: segmentOf(button) }, where));
      const found = await answer(response);
      if (!response.ok) {
        say(found.message);
        return;
      }
      if (!form.hidden) { field.focus(); return; } // open already: keep what is typed
      field.value = found.text || "";
      field.dataset.old = field.value;
      form.dataset.base = found.base;
      openForm(button, form, field);
    },
    async "hear-say"(button) {
      const form = button.closest(".edit");
      const text = form.querySelector("textarea").value;
      // A new part under a chapter heading is heard in the episode's voice.
      const segment = form.dataset.kind === "chapter" ? firstSay() : segmentOf(button);
      await speak(segment, text, "the edited text");
    },
    async "save-say"(button) {
      const form = button.closest(".edit");
      const segment = segmentOf(button);
      await save("/api/say", { segment, base: form.dataset.base, text: form.querySelector("textarea").value },
        form.querySelector(".errors"), `segment-${segment}`);
    },
    async status() {
      const select = document.getElementById("status-select");
      await save("/api/status", { status: select.value, old: select.dataset.old },
        document.getElementById("status-errors"), "status-select");
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
      const sayAs = document.getElementById("say-as").value.trim();
      // Said with the entry as typed, before it is added: hear it, then add it.
      const trying = word && sayAs ? { lexicon: { word, say_as: sayAs } } : {};
      const note = word && sayAs ? ` with ${word} said as “${sayAs}” (not added yet)` : "";
      if (picked) {
        await speak(picked.segment, picked.text, `the sentence${note}`, trying);
      } else if (word && firstSay() !== null) {
        await speak(firstSay(), word, `the word ${word}${note}`, trying);
      } else {
        say("Select a word in a sentence first.");
      }
    },
    async "lexicon-add"() {
      const word = document.getElementById("word").value;
      const sayAs = document.getElementById("say-as").value;
      await save("/api/lexicon", { word, say_as: sayAs }, document.getElementById("lexicon-errors"), "word");
    },
    async "lexicon-remove"(button) {
      await save("/api/lexicon/remove", { word: button.dataset.word, old: button.dataset.old },
        document.getElementById("lexicon-errors"), "word");
    },
    async build(button) {
      await startJob(button, "build");
    },
    async proof(button) {
      await startJob(button, "proof");
    },
    async "proof-lexicon"(button) {
      // The suggested entry, through the same compare-and-swap save as the episode
      // page's, then the sentence said again with it.
      const row = button.closest("tr");
      const edition = button.closest("[data-edition]").dataset.edition;
      const box = row.querySelector(".errors");
      const { word, sayAs, text } = button.dataset;
      const response = await post("/api/lexicon", { edition, word, say_as: sayAs });
      const found = await answer(response);
      if (found.conflict) {
        // "Keep mine" saves again from this page, which names no episode: the edition too.
        if (found.conflict.retry) found.conflict.retry.data = Object.assign({ edition }, found.conflict.retry.data);
        showConflict(box, found, null);
        say(found.message);
        return;
      }
      if (!response.ok || !found.ok) { showErrors(box, found); say(found.message || "Not saved."); return; }
      button.disabled = true;
      button.textContent = "Added";
      if (row.dataset.segment === undefined) { say(found.message); return; }
      await speak(Number(row.dataset.segment), text, `the sentence with ${word} said as “${sayAs}”`,
        { edition, episode: row.dataset.episode });
    },
  };

  const JOBS = { build: "Build", proof: "Proof" };
  async function startJob(button, job) {
    button.disabled = true;
    const response = await post(`/api/${job}`, {});
    const found = await answer(response);
    // 409 with a state: this job runs already (another tab started it), so follow it.
    if (response.status !== 202 && !(response.status === 409 && found.state === "running")) {
      say(found.message || `The ${job} did not start.`);
      button.disabled = false;
      return;
    }
    say(`${JOBS[job]} started.`);
    followJob(button, job);
  }

  function firstSay() {
    const seg = document.querySelector(".segment.say");
    return seg ? Number(seg.dataset.segment) : null;
  }

  // The build's stages in words: "es: speaking" -> "Spanish edition (es): speaking...".
  const STAGES = { speaking: "Speaking the sentences", encoding: "Making the episodes' MP3 files",
    hearing: "Hearing the sentences" };
  function stageLabel(found) {
    const [edition, name] = found.stage.includes(": ") ? found.stage.split(": ") : ["", found.stage];
    let label = STAGES[name] || (name ? name[0].toUpperCase() + name.slice(1) : "Starting");
    if (found.total) label += `: ${found.done} of ${found.total}`;
    return edition ? `Edition ${edition}: ${label}` : label;
  }

  async function followJob(button, job) {
    const box = document.getElementById(`${job}-state`);
    const stage = document.getElementById(`${job}-stage`);
    const bar = document.getElementById(`${job}-progress`);
    const summary = document.getElementById(`${job}-summary`);
    box.hidden = false;
    summary.hidden = true;
    for (;;) {
      let found;
      try {
        found = await (await fetch(`/api/${job}`)).json();
      } catch (e) {
        stopped(true);
        box.hidden = true;
        button.disabled = false;
        say(`The studio stopped during the ${job}: start it again, then try again.`);
        return;
      }
      if (found.state === "running") {
        stage.textContent = stageLabel(found);
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
        const last = found.lines.filter((l) => l.trim()).slice(-2).join(" ");
        // The proof's records changed: the page shows them (the summary is said).
        if (job === "proof") { reloadWith(`Proof finished. ${found.lines.filter((l) => l.trim()).at(-1) || ""}`, "proof"); return; }
        say(`${JOBS[job]} finished. ${last}`);
      } else {
        summary.textContent = found.error;
        say(`The ${job} failed: ${found.error}`);
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

  // Text a conflict did not save, kept across the reload until dismissed.
  const kept = sessionStorage.getItem("studio-kept");
  if (kept) {
    const box = block("div", "conflict kept");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Your text that was not saved");
    box.appendChild(block("p", "message", "Your text that was not saved (copy what you need):"));
    box.appendChild(block("pre", "", kept));
    const dismiss = block("button", "", "Dismiss");
    dismiss.type = "button";
    dismiss.addEventListener("click", () => { sessionStorage.removeItem("studio-kept"); box.remove(); });
    box.appendChild(dismiss);
    document.getElementById("main").prepend(box);
  }

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
    // A box the page opened by itself (a broken file's text) is not being edited
    // until its text is changed (`unsaved`).
    return [...document.querySelectorAll(".edit:not([data-opened])")].some((f) => !f.hidden) || unsaved()
      || document.querySelector(".conflict")
      || document.getElementById("word")?.value
      || document.getElementById("say-as")?.value;
  }

  // Text typed and not saved: changed from what the box was opened with.
  function unsaved() {
    const typed = [...document.querySelectorAll("textarea, input[data-old]")].some((t) => {
      const form = t.closest(".edit, .conflict, .tool, .new-episode");
      return form && !form.hidden && t.value !== (t.dataset.old ?? t.defaultValue);
    });
    return typed || document.querySelector(".conflict") || document.getElementById("say-as")?.value;
  }
  window.addEventListener("beforeunload", (event) => {
    if (leaving || !unsaved()) return;
    event.preventDefault();
    event.returnValue = ""; // the browser asks "Leave the page?" in its own words
  });

  let announced = false;
  if (version) window.setInterval(async () => {
    let found;
    try {
      found = await (await fetch("/api/version")).json();
    } catch (e) {
      stopped(true);
      return;
    }
    stopped(false);
    if (String(found.version) !== version) {
      if (!editing()) reloadWith("A file changed on disk: the page shows it now.");
      else if (!announced) {
        announced = true;
        say("A file changed on disk. Save what you are editing (the studio will tell you if "
          + "it changed too), then the page shows the change.");
      }
    }
  }, 1500);

  for (const job of Object.keys(JOBS)) {
    const button = document.getElementById(job);
    if (button) {
      fetch(`/api/${job}`).then((r) => r.json()).then((found) => {
        if (found.state === "running") { button.disabled = true; followJob(button, job); }
      });
    }
  }
})();

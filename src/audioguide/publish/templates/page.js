// The page's listening aids: the player bar (play, skips, speed, sleep timer), remembered
// positions and "continue", chapters and read-along, the next episode, the lock screen,
// and (over http(s)) the offline copy and the update notice. Everything here adds to a
// page that already works without it; texts and times come from the page's own
// attributes, never from strings pasted into this script.
(function () {
  "use strict";
  var body = document.body;
  var STORE = body.getAttribute("data-store") || "audioguide";
  var SPEEDS = ["0.5", "0.75", "1", "1.25", "1.5", "1.75", "2"];
  var BACK = 15; // seconds, as podcast apps skip (and the lock screen here)
  var FORWARD = 30;
  var REWIND = 5; // heard again when resuming later: where was I?
  var LONG_PAUSE = 5 * 60 * 1000;
  var FADE = 8000; // the sleep timer's fade-out, in ms
  var RESTART = 3; // "previous" past this many seconds restarts the episode
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.episode"));
  var players = sections.map(function (s) {
    return s.querySelector("audio");
  });
  function $(id) {
    return document.getElementById(id);
  }
  var bar = $("bar");
  var speed = $("speed");
  var sleep = $("sleep");
  var seekbar = $("seek");
  var toggle = $("toggle");
  var autoplay = $("autoplay");
  var active = -1; // the episode in the bar and on the lock screen
  var pausedAt = 0;
  var stale = null; // the files of a newer version, once a worker says there is one
  var sleepTimer = null;
  var sleepAt = 0;

  // Storage can be missing or refused (private modes, full disks): then nothing is kept.
  function load(key) {
    try {
      return window.localStorage.getItem(STORE + ":" + key);
    } catch (e) {
      return null;
    }
  }
  function save(key, value) {
    try {
      if (value === null) {
        window.localStorage.removeItem(STORE + ":" + key);
      } else {
        window.localStorage.setItem(STORE + ":" + key, value);
      }
    } catch (e) {
      // not kept; the page goes on
    }
  }

  // Whole seconds cut, not rounded, as the player shows them.
  function clock(seconds) {
    var total = Math.max(0, Math.floor(seconds));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var ss = (s < 10 ? "0" : "") + s;
    return h ? h + ":" + (m < 10 ? "0" : "") + m + ":" + ss : m + ":" + ss;
  }
  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (all, name) {
      return name in values ? values[name] : all;
    });
  }
  function length(index) {
    var measured = players[index].duration;
    return isFinite(measured) && measured > 0
      ? measured
      : Number(sections[index].getAttribute("data-seconds"));
  }
  function stored(index) {
    return Number(load("position:" + sections[index].getAttribute("data-id"))) || 0;
  }

  function play(player) {
    var playing = player.play();
    if (playing && playing.catch) {
      playing.catch(function () {}); // playback refused: stay where it is, paused
    }
  }

  // Play episode `index`, from `at` seconds if given; otherwise from where it was left,
  // a few seconds back when that was on another visit or long ago.
  function start(index, at) {
    if (stale) {
      location.reload(); // this page's cue times may not fit the new audio
      return;
    }
    var player = players[index];
    if (at !== undefined) {
      player.currentTime = at;
    } else if (player.readyState === 0 && stored(index)) {
      player.currentTime = Math.max(0, stored(index) - REWIND);
    } else if (pausedAt && Date.now() - pausedAt > LONG_PAUSE && index === active) {
      player.currentTime = Math.max(0, player.currentTime - REWIND);
    }
    show(index);
    play(player);
  }

  // --- settings --------------------------------------------------------------------

  function applySpeed(player) {
    player.defaultPlaybackRate = Number(speed.value);
    player.playbackRate = Number(speed.value);
  }
  if (SPEEDS.indexOf(load("speed")) >= 0) {
    speed.value = load("speed");
  }
  autoplay.checked = load("autoplay") !== "off";
  speed.addEventListener("change", function () {
    save("speed", speed.value === "1" ? null : speed.value);
    players.forEach(applySpeed);
  });
  autoplay.addEventListener("change", function () {
    save("autoplay", autoplay.checked ? null : "off");
  });
  $("settings").hidden = false;

  // --- the bar ---------------------------------------------------------------------

  function show(index) {
    active = index;
    var section = sections[index];
    var player = players[index];
    var at = player.readyState ? player.currentTime : stored(index);
    var total = length(index);
    $("now-title").textContent =
      section.getAttribute("data-kicker") + ": " + section.getAttribute("data-title");
    $("now-time").textContent = clock(at) + " / " + clock(total);
    seekbar.max = String(Math.floor(total));
    seekbar.value = String(Math.floor(at));
    seekbar.setAttribute(
      "aria-valuetext",
      fill(bar.getAttribute("data-of"), { time: clock(at), length: clock(total) })
    );
    toggle.textContent = bar.getAttribute(player.paused ? "data-play" : "data-pause");
    sections.forEach(function (other, i) {
      var playing = i === index && !player.paused;
      other.toggleAttribute("data-playing", playing);
      other.querySelector(".play-text").textContent = bar.getAttribute(
        playing ? "data-pause" : "data-play"
      );
    });
  }
  function skip(by) {
    var player = players[active];
    if (player) {
      player.currentTime = Math.min(length(active), Math.max(0, player.currentTime + by));
      show(active);
    }
  }
  function playOrPause(index) {
    if (players[index].paused) {
      start(index);
    } else {
      players[index].pause();
    }
  }
  toggle.addEventListener("click", function () {
    playOrPause(active < 0 ? 0 : active);
  });
  $("back").addEventListener("click", function () {
    skip(-BACK);
  });
  $("forward").addEventListener("click", function () {
    skip(FORWARD);
  });
  seekbar.addEventListener("input", function () {
    if (active < 0) {
      show(0);
    }
    players[active].currentTime = Number(seekbar.value);
    show(active);
  });
  bar.hidden = false;
  body.classList.add("with-bar");

  // --- sleep timer: pauses after a while, or at the end of the episode, fading out ----

  function sleepText() {
    var left = sleepAt - Date.now();
    var text = "";
    if (sleep.value === "end") {
      text = bar.getAttribute("data-sleep-end");
    } else if (sleepAt) {
      text = fill(bar.getAttribute("data-sleep-in"), { time: clock(Math.ceil(left / 1000)) });
    }
    $("sleep-left").textContent = text;
  }
  function wake() {
    clearInterval(sleepTimer);
    sleepTimer = null;
    sleepAt = 0;
    players.forEach(function (player) {
      player.volume = 1;
    });
  }
  function fall(player) {
    player.pause();
    wake();
    sleep.value = "";
    sleepText();
  }
  function tick() {
    var left = sleepAt - Date.now();
    var player = players[Math.max(0, active)];
    if (left <= 0) {
      fall(player); // pausing one that is not playing does no harm
    } else if (left < FADE) {
      player.volume = left / FADE;
    }
    sleepText();
  }
  sleep.addEventListener("change", function () {
    wake();
    if (sleep.value && sleep.value !== "end") {
      sleepAt = Date.now() + Number(sleep.value) * 60000;
      sleepTimer = setInterval(tick, 1000);
    }
    sleepText();
  });
  function fadeAtEnd(player, index) {
    if (sleep.value === "end" && index === active) {
      var left = (length(index) - player.currentTime) * 1000;
      player.volume = Math.max(0, Math.min(1, left / FADE));
    }
  }

  // --- one episode -------------------------------------------------------------------

  function setCurrent(items, current) {
    items.forEach(function (item) {
      if (item === current) {
        item.setAttribute("aria-current", "true");
      } else {
        item.removeAttribute("aria-current");
      }
    });
  }

  // The last of `items` whose data-start the player has reached (or null).
  function reached(items, time) {
    var found = null;
    items.forEach(function (item) {
      if (Number(item.getAttribute("data-start")) <= time + 0.05) {
        found = item;
      }
    });
    return found;
  }

  // Chapters and transcript sentences follow the player; a tap (or Enter) on one plays
  // from there. Sentences become buttons here: without the script they are text.
  function readAlong(section, index) {
    var player = players[index];
    var chapters = Array.prototype.slice.call(section.querySelectorAll("button[data-start]"));
    var cues = Array.prototype.slice.call(section.querySelectorAll("span[data-start]"));
    var details = section.querySelector("details");
    var hint = section.querySelector(".hint");
    var spoken = null;
    function follow() {
      setCurrent(chapters, reached(chapters, player.currentTime));
      var now = reached(cues, player.currentTime);
      if (now !== spoken) {
        setCurrent(cues, now);
        spoken = now;
        if (now && details && details.open && !player.paused) {
          now.scrollIntoView({ block: "nearest" });
        }
      }
    }
    chapters.concat(cues).forEach(function (item) {
      item.addEventListener("click", function () {
        start(index, Number(item.getAttribute("data-start")));
      });
    });
    cues.forEach(function (cue) {
      cue.setAttribute("role", "button");
      cue.tabIndex = 0;
      cue.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          cue.click();
        }
      });
    });
    if (cues.length && hint) {
      hint.hidden = false;
    }
    player.addEventListener("timeupdate", follow);
    player.addEventListener("seeked", follow);
  }

  // Where the parent stopped, and whether the episode was heard to the end.
  function memory(section, index) {
    var player = players[index];
    var id = section.getAttribute("data-id");
    var progress = section.querySelector(".progress");
    var lastKept = 0;
    function status() {
      var at = player.paused ? stored(index) : 0;
      var heard = load("heard:" + id) === "1";
      var text = at ? body.getAttribute("data-stopped").replace("{time}", clock(at)) : "";
      if (!text && heard) {
        text = "\u2713 " + body.getAttribute("data-heard");
      }
      progress.querySelector(".status").textContent = text;
      progress.hidden = !(stored(index) || heard);
    }
    function keep() {
      var at = player.currentTime;
      // Not before the player has loaded: its 0 would overwrite the stored position.
      if (player.readyState >= 1 && at >= 1 && at < length(index) - 1) {
        save("position:" + id, String(at));
        save("last", id);
      }
    }
    section.querySelector(".restart").addEventListener("click", function () {
      save("position:" + id, null);
      save("heard:" + id, null);
      player.currentTime = 0;
      // The button hides with what it cleared: keep the keyboard on this episode.
      section.querySelector(".play").focus();
      status();
      if (index === active) {
        show(index);
      }
    });
    player.addEventListener("timeupdate", function () {
      if (Math.abs(player.currentTime - lastKept) >= 2) {
        lastKept = player.currentTime;
        keep();
      }
    });
    player.addEventListener("seeked", keep);
    window.addEventListener("pagehide", keep); // a phone closing the tab mid-episode
    player.addEventListener("pause", function () {
      keep();
      status();
    });
    player.addEventListener("play", status);
    player.addEventListener("ended", function () {
      save("position:" + id, null);
      save("heard:" + id, "1");
      status();
    });
    status();
  }

  function episode(section, index) {
    var player = players[index];
    // The script's controls replace the browser's small ones (kept without the script).
    player.removeAttribute("controls");
    section.querySelector(".play-row").hidden = false;
    section.querySelector(".play").addEventListener("click", function () {
      playOrPause(index);
    });
    applySpeed(player);
    memory(section, index);
    readAlong(section, index);
    ["timeupdate", "seeked", "pause", "play", "ratechange", "loadedmetadata"].forEach(
      function (name) {
        player.addEventListener(name, function () {
          if (index === active) {
            show(index);
            session(player);
          }
        });
      }
    );
    player.addEventListener("timeupdate", function () {
      fadeAtEnd(player, index);
    });
    player.addEventListener("play", function () {
      players.forEach(function (other) {
        if (other !== player) {
          other.pause();
        }
      });
      applySpeed(player);
      show(index);
      describe(index);
      $("resume").parentNode.hidden = true;
      if (media) {
        media.playbackState = "playing";
      }
    });
    player.addEventListener("pause", function () {
      pausedAt = Date.now();
      if (media && index === active) {
        media.playbackState = "paused";
      }
    });
    player.addEventListener("ended", function () {
      if (sleep.value === "end") {
        fall(player); // asleep: the next episode waits for the morning
      } else if (autoplay.checked && players[index + 1]) {
        start(index + 1);
      }
    });
  }

  // --- lock screen and headset buttons, where the browser has a media session --------

  var media = navigator.mediaSession;
  function describe(index) {
    if (!media || typeof MediaMetadata === "undefined") {
      return;
    }
    try {
      media.metadata = new MediaMetadata({
        title: sections[index].getAttribute("data-title"),
        artist: body.getAttribute("data-artist"),
        album: body.getAttribute("data-album"),
        artwork: [
          { src: new URL("icon-192.png", location.href).href, sizes: "192x192", type: "image/png" },
          { src: new URL("icon-512.png", location.href).href, sizes: "512x512", type: "image/png" },
        ],
      });
    } catch (e) {
      // an older session without artwork: the title still shows
    }
  }
  function session(player) {
    if (media && media.setPositionState && player.duration) {
      try {
        media.setPositionState({
          duration: player.duration,
          playbackRate: player.playbackRate,
          position: Math.min(player.currentTime, player.duration),
        });
      } catch (e) {
        // a position the browser will not take is left out
      }
    }
  }
  function handle(action, handler) {
    try {
      media.setActionHandler(action, handler);
    } catch (e) {
      // an action this browser does not offer
    }
  }
  function current() {
    return players[Math.max(0, active)];
  }
  if (media && media.setActionHandler) {
    handle("play", function () {
      start(Math.max(0, active));
    });
    handle("pause", function () {
      current().pause();
    });
    handle("previoustrack", function () {
      // As podcast apps do: past the first seconds, "previous" means "from the start".
      if (current().currentTime > RESTART || !players[active - 1]) {
        start(Math.max(0, active), 0);
      } else {
        start(active - 1, 0);
      }
    });
    handle("nexttrack", function () {
      if (players[active + 1]) {
        start(active + 1);
      }
    });
    handle("seekbackward", function () {
      skip(-BACK);
    });
    handle("seekforward", function () {
      skip(FORWARD);
    });
    handle("seekto", function (details) {
      current().currentTime = details.seekTime;
    });
  }

  sections.forEach(episode);

  // --- continue where the parent stopped, on the first screen ------------------------

  function resumable() {
    var last = load("last");
    for (var i = 0; i < sections.length; i++) {
      if (sections[i].getAttribute("data-id") === last && stored(i)) {
        return i;
      }
    }
    return -1;
  }
  var resume = $("resume");
  var from = resumable();
  if (from >= 0) {
    resume.textContent = fill(resume.getAttribute("data-text"), {
      episode: sections[from].getAttribute("data-kicker"),
      time: clock(stored(from)),
    });
    resume.parentNode.hidden = false;
    resume.addEventListener("click", function () {
      start(from);
    });
    show(from);
  }

  // --- installable, offline and updated, only where browsers allow it (not from disk) --

  $("reload").addEventListener("click", function () {
    location.reload();
  });
  // A worker holding another version of the page: say so, and stop an episode whose
  // audio changed, since this page's chapters and sentences are timed for the old one.
  function outdated(files) {
    stale = files || {};
    $("update").hidden = false;
    sections.forEach(function (section, index) {
      var path = section.getAttribute("data-path");
      if (stale[path] !== section.getAttribute("data-sha256")) {
        players[index].pause();
      }
    });
  }
  var offline = $("offline");
  function megabytes(bytes) {
    return (bytes / 1e6).toFixed(1) + " MB";
  }
  function offlineState(data) {
    var button = $("keep");
    var size = offline.getAttribute("data-size");
    var state = $("offline-status");
    button.hidden = data.type === "progress" || data.type === "kept";
    if (data.type === "progress") {
      state.textContent = fill(offline.getAttribute("data-saving"), {
        done: megabytes(data.done),
        size: size,
      });
    } else if (data.type === "kept") {
      state.textContent = fill(offline.getAttribute("data-kept"), { size: size });
    } else if (data.type === "failed") {
      state.textContent = "";
      button.textContent = offline.getAttribute("data-failed");
    } else {
      state.textContent = "";
      button.textContent = fill(offline.getAttribute("data-offer"), { size: size });
    }
  }
  function keepOffline() {
    save("offline", "on");
    offlineState({ type: "progress", done: 0 });
    navigator.serviceWorker.ready.then(function (registration) {
      registration.active.postMessage({ type: "keep" });
    });
  }
  function served(workers) {
    workers.addEventListener("message", function (event) {
      var data = event.data || {};
      if (data.type === "version" && data.page !== document.documentElement.getAttribute("data-version")) {
        outdated(data.files);
      } else if (data.type !== "version") {
        offlineState(data);
      }
    });
    workers.register("sw.js", { scope: "./" }).then(
      function (registration) {
        document.addEventListener("visibilitychange", function () {
          if (document.visibilityState === "visible") {
            registration.update().catch(function () {});
          }
        });
      },
      function () {
        offline.hidden = true; // no offline copy (storage refused): the page works online
      }
    );
    if (workers.controller) {
      workers.controller.postMessage({ type: "hello" });
    }
    workers.addEventListener("controllerchange", function () {
      if (load("offline") === "on") {
        keepOffline(); // a new version: keep its changed episodes too
      }
    });
    offline.hidden = false;
    offlineState({ type: "offer" });
    $("keep").addEventListener("click", keepOffline);
    if (load("offline") === "on") {
      keepOffline(); // fetches only what a rebuild changed, with its progress shown
    }
  }
  if (location.protocol === "https:" || location.protocol === "http:") {
    var link = document.createElement("link");
    link.rel = "manifest";
    link.href = "app.webmanifest";
    document.head.appendChild(link);
    if (navigator.serviceWorker) {
      served(navigator.serviceWorker);
    }
  }
})();

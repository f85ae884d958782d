// The page's listening aids: speed, remembered positions, chapters and read-along,
// the next episode, the lock screen, and (over http(s)) the offline copy. Everything
// here adds to a page that already works without it; texts and times come from the
// page's own attributes, never from strings pasted into this script.
(function () {
  "use strict";
  var body = document.body;
  var STORE = body.getAttribute("data-store") || "audioguide";
  var SPEEDS = ["0.75", "1", "1.25", "1.5"];
  var sections = Array.prototype.slice.call(document.querySelectorAll("section.episode"));
  var players = sections.map(function (s) {
    return s.querySelector("audio");
  });
  var speed = document.getElementById("speed");
  var autoplay = document.getElementById("autoplay");
  var active = 0; // the episode the lock screen's buttons act on

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

  function play(player) {
    var playing = player.play();
    if (playing && playing.catch) {
      playing.catch(function () {}); // playback refused: stay where it is, paused
    }
  }

  function seek(player, seconds) {
    player.currentTime = seconds;
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
  document.getElementById("settings").hidden = false;

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

  // Chapters and transcript sentences follow the player, and a tap on one seeks there.
  function readAlong(section, player) {
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
        seek(player, Number(item.getAttribute("data-start")));
      });
    });
    if (cues.length && hint) {
      hint.hidden = false;
    }
    player.addEventListener("timeupdate", follow);
    player.addEventListener("seeked", follow);
  }

  // Where the parent stopped, and whether the episode was heard to the end.
  function memory(section, player) {
    var id = section.getAttribute("data-id");
    var progress = section.querySelector(".progress");
    var restored = false;
    var lastKept = 0;
    function where() {
      return Number(load("position:" + id)) || 0;
    }
    function show() {
      var at = player.paused ? where() : 0;
      var heard = load("heard:" + id) === "1";
      var text = at ? body.getAttribute("data-stopped").replace("{time}", clock(at)) : "";
      if (!text && heard) {
        text = "\u2713 " + body.getAttribute("data-heard");
      }
      progress.querySelector(".status").textContent = text;
      progress.hidden = !(where() || heard);
    }
    function keep() {
      if (!restored) {
        return; // not before the stored position is back: 0 would overwrite it
      }
      var at = player.currentTime;
      save("position:" + id, at >= 1 && at < player.duration - 1 ? String(at) : null);
    }
    function restore() {
      var length = section.querySelector(".length .clock");
      if (isFinite(player.duration) && length) {
        length.textContent = clock(player.duration);
      }
      var at = where();
      if (!restored && at > 0 && at < player.duration - 1) {
        player.currentTime = at;
      }
      restored = true;
      show();
    }
    if (player.readyState >= 1) {
      restore();
    } else {
      player.addEventListener("loadedmetadata", restore);
    }
    section.querySelector(".restart").addEventListener("click", function () {
      save("position:" + id, null);
      save("heard:" + id, null);
      player.currentTime = 0;
      // The button hides with what it cleared: keep the keyboard on this episode.
      player.focus();
      show();
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
      show();
    });
    player.addEventListener("play", show);
    player.addEventListener("ended", function () {
      save("position:" + id, null);
      save("heard:" + id, "1");
      show();
    });
  }

  function episode(section, index) {
    var player = players[index];
    applySpeed(player);
    memory(section, player);
    readAlong(section, player);
    player.addEventListener("timeupdate", function () {
      session(player);
    });
    player.addEventListener("seeked", function () {
      session(player);
    });
    player.addEventListener("play", function () {
      active = index;
      players.forEach(function (other) {
        if (other !== player) {
          other.pause();
        }
      });
      applySpeed(player);
      describe(index);
    });
    player.addEventListener("ended", function () {
      if (autoplay.checked && players[index + 1]) {
        play(players[index + 1]);
      }
    });
  }
  sections.forEach(episode);

  // --- lock screen and headset buttons, where the browser has a media session --------

  var media = navigator.mediaSession;
  function describe(index) {
    if (!media || typeof MediaMetadata === "undefined") {
      return;
    }
    var cover = document.querySelector("img.cover");
    try {
      media.metadata = new MediaMetadata({
        title: sections[index].getAttribute("data-title"),
        artist: body.getAttribute("data-artist"),
        album: body.getAttribute("data-album"),
        artwork: cover ? [{ src: cover.src, type: "image/png" }] : [],
      });
    } catch (e) {
      // an older session without artwork: the title still shows
    }
  }
  function session(player) {
    if (media && media.setPositionState && player === players[active] && player.duration) {
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
  function step(by) {
    var to = players[active + by];
    if (to) {
      play(to);
    }
  }
  function handle(action, handler) {
    try {
      media.setActionHandler(action, handler);
    } catch (e) {
      // an action this browser does not offer
    }
  }
  if (media && media.setActionHandler) {
    handle("play", function () {
      play(players[active]);
    });
    handle("pause", function () {
      players[active].pause();
    });
    handle("previoustrack", function () {
      step(-1);
    });
    handle("nexttrack", function () {
      step(1);
    });
    handle("seekbackward", function (details) {
      var player = players[active];
      player.currentTime = Math.max(0, player.currentTime - (details.seekOffset || 10));
    });
    handle("seekforward", function (details) {
      var player = players[active];
      player.currentTime = Math.min(player.duration, player.currentTime + (details.seekOffset || 10));
    });
    handle("seekto", function (details) {
      players[active].currentTime = details.seekTime;
    });
  }

  // --- installable and offline, only where browsers allow it (not from disk) ----------

  if (location.protocol === "https:" || location.protocol === "http:") {
    var link = document.createElement("link");
    link.rel = "manifest";
    link.href = "app.webmanifest";
    document.head.appendChild(link);
    if (navigator.serviceWorker) {
      navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(function () {
        // no offline copy (an insecure origin, storage refused): the page works online
      });
    }
  }
})();

// Chapter buttons seek their own player; the chapter being heard is marked for eyes
// and screen readers (aria-current); only one episode plays at a time. Times come from
// data- attributes, never from text pasted into this script.
(function () {
  "use strict";
  var buttons = Array.prototype.slice.call(document.querySelectorAll("button[data-start]"));
  var players = Array.prototype.slice.call(document.querySelectorAll("audio"));
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      var player = document.getElementById(button.getAttribute("data-player"));
      if (!player) {
        return;
      }
      player.currentTime = Number(button.getAttribute("data-start"));
      var playing = player.play();
      if (playing && playing.catch) {
        playing.catch(function () {}); // playback refused: stay at the chapter, paused
      }
    });
  });
  players.forEach(function (player) {
    var own = buttons.filter(function (b) {
      return b.getAttribute("data-player") === player.id;
    });
    player.addEventListener("timeupdate", function () {
      var current = null;
      own.forEach(function (b) {
        if (Number(b.getAttribute("data-start")) <= player.currentTime + 0.05) {
          current = b;
        }
      });
      own.forEach(function (b) {
        if (b === current) {
          b.setAttribute("aria-current", "true");
        } else {
          b.removeAttribute("aria-current");
        }
      });
    });
    player.addEventListener("play", function () {
      players.forEach(function (other) {
        if (other !== player) {
          other.pause();
        }
      });
    });
  });
})();

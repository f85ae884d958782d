// The offline copy of one edition of an audioguide (written by `audioguide build`).
// FILES is the edition's published files with their sha256 and size, as in its
// manifest.json: a rebuilt file has a new hash, so this script changes, the browser
// installs it, and only the files whose hash changed are fetched again. PAGE is the
// version of the page this worker holds; an open page of another version is told.
//
// On install the worker keeps the page and its small files (a few hundred KB). The
// episodes are kept only when the page asks ("keep"), after the parent chose it and saw
// its size; the page is told the progress. Everything kept is answered from the copy,
// so the guide plays with the network off.
"use strict";
var FILES = [];
var PAGE = "";
var CACHE = "audioguide " + self.registration.scope;
var HELD = "audioguide-held.json"; // path -> sha256 of what the copy holds

// An episode is listed under the URL its page plays it from, its version in the query
// (`?v=`); the copy keeps each file under its plain path, which the fetch handler looks
// up with the query left out, so a page of any version finds it.
function bare(path) {
  return path.split("?")[0];
}
function url(path) {
  return new URL(path, self.registration.scope).href;
}
function isAudio(file) {
  return /\.mp3$/i.test(bare(file.path));
}

var LISTED = {};
var CURRENT = {};
FILES.forEach(function (file) {
  LISTED[url(bare(file.path))] = true;
  CURRENT[bare(file.path)] = file.sha256;
});

function held(cache) {
  return cache
    .match(url(HELD))
    .then(function (response) {
      return response ? response.json() : {};
    })
    .catch(function () {
      return {};
    });
}
function hold(cache, known) {
  var headers = { "Content-Type": "application/json" };
  return cache.put(url(HELD), new Response(JSON.stringify(known), { headers: headers }));
}

function refresh(cache, file, known) {
  return cache.match(url(bare(file.path))).then(function (copy) {
    if (copy && known[bare(file.path)] === file.sha256) {
      return null;
    }
    // Past the browser's HTTP cache, which may still hold the file as it was (no
    // revalidation either: a file rebuilt within the same second keeps its Last-Modified).
    return fetch(new Request(url(file.path), { cache: "reload" })).then(function (response) {
      if (!response.ok) {
        throw new Error(file.path + ": " + response.status);
      }
      return cache.put(url(bare(file.path)), response);
    });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return held(cache)
        .then(function (known) {
          var small = FILES.filter(function (file) {
            return !isAudio(file);
          });
          return Promise.all(
            small.map(function (file) {
              return refresh(cache, file, known);
            })
          ).then(function () {
            // What the copy holds now: the small files, and the episodes kept earlier
            // that this version did not change (the changed ones go on activation).
            var now = {};
            FILES.forEach(function (file) {
              if (!isAudio(file) || known[bare(file.path)] === file.sha256) {
                now[bare(file.path)] = file.sha256;
              }
            });
            return hold(cache, now);
          });
        })
        .then(function () {
          return self.skipWaiting();
        });
    })
  );
});

function tell(message) {
  return self.clients.matchAll({ type: "window" }).then(function (clients) {
    clients.forEach(function (client) {
      client.postMessage(message);
    });
  });
}
function version() {
  return { type: "version", page: PAGE, files: CURRENT };
}

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        return held(cache).then(function (known) {
          return cache.keys().then(function (requests) {
            return Promise.all(
              requests
                .filter(function (request) {
                  var path = decodeURI(request.url.slice(url("").length));
                  return request.url !== url(HELD) && known[path] !== CURRENT[path];
                })
                .map(function (request) {
                  return cache.delete(request);
                })
            );
          });
        });
      })
      .then(function () {
        return self.clients.claim();
      })
      .then(function () {
        return tell(version());
      })
  );
});

// The episodes, one after another, each told to the page as it is kept.
function keepAll() {
  var audio = FILES.filter(isAudio);
  return caches.open(CACHE).then(function (cache) {
    return held(cache).then(function (known) {
      function done() {
        return audio.reduce(function (sum, file) {
          return sum + (known[bare(file.path)] === file.sha256 ? file.size : 0);
        }, 0);
      }
      var chain = tell({ type: "progress", done: done() });
      audio.forEach(function (file) {
        chain = chain.then(function () {
          return refresh(cache, file, known).then(function () {
            known[bare(file.path)] = file.sha256;
            return hold(cache, known).then(function () {
              return tell({ type: "progress", done: done() });
            });
          });
        });
      });
      return chain.then(
        function () {
          return tell({ type: "kept" });
        },
        function () {
          return tell({ type: "failed" });
        }
      );
    });
  });
}

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "hello" && event.source) {
    event.source.postMessage(version());
  } else if (data.type === "keep") {
    event.waitUntil(keepAll());
  }
});

// Players ask for byte ranges; the copy holds whole files, so cut the range out.
function partial(response, range) {
  var match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  return response.blob().then(function (blob) {
    var size = blob.size;
    var start = match && match[1] !== "" ? Number(match[1]) : NaN;
    var end = match && match[2] !== "" ? Math.min(Number(match[2]), size - 1) : size - 1;
    if (match && match[1] === "" && match[2] !== "") {
      start = Math.max(0, size - Number(match[2]));
      end = size - 1;
    }
    if (!(start >= 0 && start <= end && start < size)) {
      return new Response(null, { status: 416, headers: { "Content-Range": "bytes */" + size } });
    }
    return new Response(blob.slice(start, end + 1), {
      status: 206,
      statusText: "Partial Content",
      headers: {
        "Content-Type": response.headers.get("Content-Type") || "application/octet-stream",
        "Content-Range": "bytes " + start + "-" + end + "/" + size,
        "Content-Length": String(end - start + 1),
        "Accept-Ranges": "bytes",
      },
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  // The address without its query and fragment: a QR code's "?src=qr" is the same page.
  var target = request.url.split("#")[0].split("?")[0];
  if (target === self.registration.scope) {
    target = url("index.html"); // the folder's own address shows its page
  }
  if (request.method !== "GET" || !LISTED[target]) {
    return; // not ours (another edition, another site's page): the network answers
  }
  event.respondWith(
    caches
      .open(CACHE)
      .then(function (cache) {
        return cache.match(target);
      })
      .then(function (copy) {
        if (!copy) {
          return fetch(request);
        }
        var range = request.headers.get("range");
        return range ? partial(copy, range) : copy;
      })
  );
});

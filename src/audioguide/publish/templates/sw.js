// The offline copy of one edition of an audioguide (written by `audioguide build`).
// FILES is the edition's published files with their sha256, as in its manifest.json:
// a rebuilt file has a new hash, so this script changes, the browser installs it, and
// only the files whose hash changed are fetched again. Everything is answered from the
// copy first, so the guide plays with the network off after one visit.
"use strict";
var FILES = [];
var CACHE = "audioguide " + self.registration.scope;
var HELD = "audioguide-held.json"; // path -> sha256 of what the copy holds

function url(path) {
  return new URL(path, self.registration.scope).href;
}

var LISTED = {};
FILES.forEach(function (file) {
  LISTED[url(file.path)] = true;
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

function refresh(cache, file, known) {
  return cache.match(url(file.path)).then(function (copy) {
    if (copy && known[file.path] === file.sha256) {
      return null;
    }
    // Past the browser's HTTP cache, which may still hold the file as it was (no
    // revalidation either: a file rebuilt within the same second keeps its Last-Modified).
    return fetch(new Request(url(file.path), { cache: "reload" })).then(function (response) {
      if (!response.ok) {
        throw new Error(file.path + ": " + response.status);
      }
      return cache.put(url(file.path), response);
    });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return held(cache)
        .then(function (known) {
          return Promise.all(
            FILES.map(function (file) {
              return refresh(cache, file, known);
            })
          );
        })
        .then(function () {
          var now = {};
          FILES.forEach(function (file) {
            now[file.path] = file.sha256;
          });
          var headers = { "Content-Type": "application/json" };
          return cache.put(url(HELD), new Response(JSON.stringify(now), { headers: headers }));
        })
        .then(function () {
          return self.skipWaiting();
        });
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .open(CACHE)
      .then(function (cache) {
        return cache.keys().then(function (requests) {
          return Promise.all(
            requests
              .filter(function (request) {
                return !LISTED[request.url] && request.url !== url(HELD);
              })
              .map(function (request) {
                return cache.delete(request);
              })
          );
        });
      })
      .then(function () {
        return self.clients.claim();
      })
  );
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
  var target = request.url.split("#")[0];
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

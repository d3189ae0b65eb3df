/* Slipstream's service worker: Log a slip and Take attendance open with no signal.
 *
 * It keeps two things, and nothing else:
 * - the last copy of those two pages the signed-in member opened (their shells: a blank slip
 *   form with the chapter's members to pick from, the meeting's roster), network first;
 * - the static files those pages need (CSS, scripts, icons): fingerprinted ones cache first,
 *   as they never change under their name; others network first.
 * What a member enters with no signal waits in the page's outbox (js/offline.js); a slip the
 * signal fails on its way (the phone believed it had one) is put there by this worker.
 * Logging out clears it all: the logout answer says Clear-Site-Data, and js/offline.js
 * deletes these caches itself where a browser ignores that header.
 */
"use strict";

const PAGES = "slipstream-pages-v1";
const STATIC = "slipstream-static-v1";
/* The pages that open with no signal: Log a slip, and a meeting's Take attendance. */
const OFFLINE_PAGES = [/^\/slips\/log\/$/, /^\/meetings\/\d+\/attendance\/$/];
/* The form sent as a page (not by htmx) that waits in the outbox when the signal fails it. */
const SLIP_FORM = /^\/slips\/log\/$/;
/* ManifestStaticFilesStorage's names: "slipstream.1a2b3c4d5e6f.css". */
const FINGERPRINTED = /\.[0-9a-f]{12}\.[a-z0-9]+$/;
const STATIC_DESTINATIONS = new Set(["style", "script", "image", "font", "manifest"]);

self.addEventListener("install", () => self.skipWaiting());

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name !== PAGES && name !== STATIC) await caches.delete(name);
      }
      /* The page's own request starts while this worker wakes, not after. */
      if (self.registration.navigationPreload) await self.registration.navigationPreload.enable();
      await self.clients.claim();
    })(),
  );
});

function isOfflinePage(url) {
  return url.origin === self.location.origin && OFFLINE_PAGES.some((p) => p.test(url.pathname));
}

/* One copy per page and slip kind ("?kind=tyfcb" is another form), blank only: a form filled
 * in from elsewhere ("?referral=12") or the page after a save ("?saved=1") is never kept. */
function pageKey(url) {
  if (Array.from(url.searchParams.keys()).some((name) => name !== "kind")) return null;
  const kind = url.searchParams.get("kind");
  return url.origin + url.pathname + (kind ? "?kind=" + encodeURIComponent(kind) : "");
}

function keepable(response) {
  return response.ok && response.type === "basic" && !response.redirected;
}

/* A navigation's answer: the request the browser sent while this worker woke, if it did. */
async function fromNetwork(event) {
  return (await event.preloadResponse) || fetch(event.request);
}

async function networkFirstPage(event) {
  const request = event.request;
  const url = new URL(request.url);
  const cache = await caches.open(PAGES);
  try {
    const response = await fromNetwork(event);
    if (keepable(response) && pageKey(url)) await cache.put(pageKey(url), response.clone());
    return response;
  } catch (error) {
    const kept =
      (pageKey(url) && (await cache.match(pageKey(url), { ignoreVary: true }))) ||
      (await cache.match(url.origin + url.pathname, { ignoreVary: true }));
    if (kept) return kept;
    throw error;
  }
}

/* "css/slipstream.1a2b3c4d5e6f.css" and "css/slipstream.css" are the same file's versions. */
function unversioned(pathname) {
  return pathname.replace(FINGERPRINTED, (found) => found.slice(13));
}

/* Keep one version of each file: a new deployment's replaces the last one's. */
async function keepStatic(cache, request, response) {
  const name = unversioned(new URL(request.url).pathname);
  for (const old of await cache.keys()) {
    if (old.url !== request.url && unversioned(new URL(old.url).pathname) === name) {
      await cache.delete(old);
    }
  }
  await cache.put(request, response);
}

async function staticFile(request) {
  const cache = await caches.open(STATIC);
  const fingerprinted = FINGERPRINTED.test(new URL(request.url).pathname);
  if (fingerprinted) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (kept) return kept;
  }
  try {
    const response = await fetch(request);
    if (keepable(response)) await keepStatic(cache, request, response.clone());
    return response;
  } catch (error) {
    const kept = await cache.match(request, { ignoreVary: true });
    if (kept) return kept;
    throw error;
  }
}

/* --- A slip sent while the phone believed it had a signal, and the signal failed it. --- */

/* The outbox js/offline.js keeps (the same database and item), for the member it belongs to. */
function outbox(mode, work) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open("slipstream-outbox", 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore("items", { keyPath: "key" });
      open.result.createObjectStore("meta");
    };
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const tx = open.result.transaction(["items", "meta"], mode);
      const result = work(tx);
      tx.oncomplete = () => {
        open.result.close();
        resolve(result && result.result);
      };
      tx.onerror = tx.onabort = () => {
        open.result.close();
        reject(tx.error);
      };
    };
  });
}

async function keepSlip(url, body) {
  const owner = await outbox("readonly", (tx) => tx.objectStore("meta").get("owner"));
  if (owner === undefined) return false;
  const fields = new URLSearchParams(body);
  fields.delete("csrfmiddlewaretoken"); /* sent later with the token of that moment */
  /* Its own token, kept: the server may have stored it before the signal failed. */
  const token = fields.get("token") || crypto.randomUUID();
  fields.set("token", token);
  const item = {
    key: "slip:" + token,
    kind: "slip",
    url: url.pathname + url.search,
    body: fields.toString(),
    label: "",
    owner: owner,
    kept_at: Date.now(),
  };
  await outbox("readwrite", (tx) => tx.objectStore("items").put(item));
  return true;
}

async function sendOrKeep(request) {
  const body = await request.clone().text();
  try {
    return await fetch(request);
  } catch (error) {
    const url = new URL(request.url);
    if (!(await keepSlip(url, body))) throw error;
    return Response.redirect(url.origin + url.pathname + "?kept=1", 303);
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST") {
    if (request.mode === "navigate" && SLIP_FORM.test(url.pathname)) {
      event.respondWith(sendOrKeep(request));
    }
    return;
  }
  if (request.method !== "GET") return;
  if (request.mode === "navigate") {
    /* Every navigation answers here: with navigation preload on, one left alone would be
     * requested twice. */
    event.respondWith(isOfflinePage(url) ? networkFirstPage(event) : fromNetwork(event));
  } else if (STATIC_DESTINATIONS.has(request.destination)) {
    event.respondWith(staticFile(request));
  }
});

/* The page names the offline pages it links to (the nav's Log a slip, a meeting's Take
 * attendance): each is fetched once, so it opens with no signal even if never opened before.
 * Only the page itself, not each slip kind's tab: one request each on a slow signal. */
async function keepPages(urls) {
  const cache = await caches.open(PAGES);
  for (const href of urls) {
    const url = new URL(href, self.location.origin);
    if (!isOfflinePage(url) || url.search) continue;
    if (await cache.match(pageKey(url), { ignoreVary: true })) continue;
    try {
      const response = await fetch(url.href, { credentials: "same-origin" });
      if (keepable(response)) await cache.put(pageKey(url), response);
    } catch (error) {
      return; /* no signal: try again on a later page */
    }
  }
}

self.addEventListener("message", (event) => {
  if (event.origin && event.origin !== self.location.origin) return;
  const data = event.data || {};
  if (data.type === "keep-pages" && Array.isArray(data.urls)) {
    event.waitUntil(keepPages(data.urls));
  }
});

/* Slips and marks that survive no signal.
 *
 * With no signal, a slip form (Log a slip) or a mark (Take attendance) sent on this page is
 * kept in the phone's outbox (IndexedDB) instead, and sent when the signal returns: on the
 * "online" event and on the next page opened. Each is sent once: a slip carries its one-off
 * token, so a slip sent twice is stored once; a mark is an upsert, and a later mark for the
 * same member replaces a waiting one. The page shows "Waiting to send (n)" and the server's
 * answer to each when it arrives, a refusal included.
 *
 * The outbox belongs to the member signed in: another member's page on this phone empties it,
 * and logging out empties it with the service worker's caches (the logout answer also says
 * Clear-Site-Data). Plain JavaScript: no build, no inline script (the CSP forbids one).
 */
(function () {
  "use strict";

  const outbox = document.getElementById("outbox");
  if (!outbox || !window.indexedDB) return;
  const owner = outbox.dataset.owner;
  const text = JSON.parse(document.getElementById("outbox-text").textContent);
  /* The forms that may wait: a slip, and one member's mark. */
  const QUEUED = [
    { kind: "slip", path: /^\/slips\/log\/$/ },
    { kind: "mark", path: /^\/meetings\/\d+\/attendance\/\d+\/$/ },
  ];
  const DB = "slipstream-outbox";
  const CACHES = ["slipstream-pages-v1", "slipstream-static-v1"];

  /* --- The outbox: IndexedDB, one object store keyed by what makes an item itself. --- */

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open(DB, 1);
      request.onupgradeneeded = () => {
        request.result.createObjectStore("items", { keyPath: "key" });
        request.result.createObjectStore("meta");
      };
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  function store(name, mode, work) {
    return open().then(
      (db) =>
        new Promise((resolve, reject) => {
          const tx = db.transaction(name, mode);
          const request = work(tx.objectStore(name));
          tx.oncomplete = () => {
            db.close();
            resolve(request ? request.result : undefined);
          };
          tx.onerror = tx.onabort = () => {
            db.close();
            reject(tx.error);
          };
        }),
    );
  }

  const items = () => store("items", "readonly", (s) => s.getAll());
  const put = (item) => store("items", "readwrite", (s) => s.put(item));
  const remove = (key) => store("items", "readwrite", (s) => s.delete(key));

  /* Everything this page's member left on the phone: the outbox and the kept pages. */
  function forget() {
    const done = [store("items", "readwrite", (s) => s.clear())];
    if (window.caches) done.push(...CACHES.map((name) => caches.delete(name)));
    return Promise.all(done).catch(() => undefined);
  }

  /* A shared phone: what another member left behind is theirs, never sent as this one. */
  function claim() {
    return store("meta", "readonly", (s) => s.get("owner")).then((was) => {
      if (was === owner) return undefined;
      const cleared = was === undefined ? Promise.resolve() : forget();
      return cleared.then(() => store("meta", "readwrite", (s) => s.put(owner, "owner")));
    });
  }

  /* --- What the page shows: the count waiting, and each answer as it arrives. --- */

  const answers = document.createElement("ul");
  answers.className = "messages";
  const count = document.createElement("p");
  count.className = "message message-warning";
  outbox.append(count, answers);

  function say(words, tone) {
    const line = document.createElement("li");
    line.className = "message message-" + tone;
    line.textContent = words;
    answers.append(line);
    outbox.hidden = false;
  }

  function show() {
    return items().then((waiting) => {
      waiting = waiting.filter((item) => item.owner === owner);
      count.hidden = waiting.length === 0;
      count.textContent = waiting.length ? text.waiting.replace("%(count)s", waiting.length) : "";
      outbox.hidden = waiting.length === 0 && answers.children.length === 0;
      for (const item of waiting) markWaiting(item);
      return waiting;
    });
  }

  /* A waiting mark shows on its row (the roster kept offline is as it was then). */
  function markWaiting(item) {
    if (item.kind !== "mark") return;
    const path = new URL(item.url, location.href).pathname;
    for (const form of document.querySelectorAll("form")) {
      if (new URL(form.action, location.href).pathname !== path) continue;
      const mark = new URLSearchParams(item.body).get("mark");
      for (const button of form.querySelectorAll("button[name=mark]")) {
        button.setAttribute("aria-pressed", String(button.value === mark));
      }
      const badge = form.querySelector(".badge");
      if (badge) {
        badge.classList.remove("badge-ok");
        badge.textContent = text.waiting_mark.replace("%(mark)s", mark);
      }
    }
  }

  /* --- Keeping a form that cannot be sent. --- */

  function queued(action) {
    if (action.origin !== location.origin) return null;
    const found = QUEUED.find((q) => q.path.test(action.pathname));
    return found ? found.kind : null;
  }

  function newToken() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16)).join("");
  }

  function formBody(form, submitter) {
    let data;
    try {
      data = new FormData(form, submitter);
    } catch (error) {
      data = new FormData(form);
      if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    }
    const body = new URLSearchParams();
    for (const [name, value] of data) if (typeof value === "string") body.append(name, value);
    /* Sent later with the CSRF token of that moment, in a header. */
    body.delete("csrfmiddlewaretoken");
    return body;
  }

  function label(kind, form, body) {
    if (kind === "mark") {
      const name = form.closest("li") && form.closest("li").querySelector("strong");
      return (name ? name.textContent.trim() + ": " : "") + body.get("mark");
    }
    /* The slip's kind (its tab) and whom it names. */
    const tab = document.querySelector('.tabs [aria-current="page"]');
    const named = Array.from(form.querySelectorAll("select"), (s) => s.selectedOptions[0])
      .filter((option) => option && option.value)
      .map((option) => option.textContent.trim());
    return [tab ? tab.textContent.trim() : text.slip, ...named.slice(0, 1)].join(" · ");
  }

  function keep(form, submitter) {
    const action = new URL(form.action, location.href);
    const kind = queued(action);
    const body = formBody(form, submitter);
    if (!kind || body.has("search")) {
      say(text.needs_signal, "warning");
      return;
    }
    let key = "mark:" + action.pathname;
    if (kind === "slip") {
      /* A fresh token for each slip kept: the page's own may have been sent already. */
      body.set("token", newToken());
      key = "slip:" + body.get("token");
    }
    const item = {
      key: key,
      kind: kind,
      url: action.pathname + action.search,
      body: body.toString(),
      label: label(kind, form, body),
      owner: owner,
      kept_at: Date.now(),
    };
    put(item)
      .then(() => {
        say(text.kept.replace("%(item)s", item.label), "info");
        if (kind === "slip") {
          const date = form.elements.date && form.elements.date.value;
          form.reset();
          if (date) form.elements.date.value = date;
        }
        return show();
      })
      .catch(() => say(text.not_kept, "error"));
  }

  /* --- Sending what waits, once each. --- */

  function csrfToken() {
    const cookie = document.cookie.split("; ").find((c) => c.startsWith("csrftoken="));
    if (cookie) return cookie.slice("csrftoken=".length);
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function textOf(doc, selector) {
    const words = Array.from(doc.querySelectorAll(selector), (e) => e.textContent.trim());
    return words.filter(Boolean).join(" ").replace(/\s+/g, " ");
  }

  /* The server's answer: "sent", "refused" (final: sending again would not help), or
   * "wait" (no signal, the server busy or down, the member signed out): kept for later. */
  async function send(item) {
    const target = new URL(item.url, location.href);
    const headers = {
      "Content-Type": "application/x-www-form-urlencoded",
      "X-CSRFToken": csrfToken(),
    };
    if (item.kind === "mark") headers["HX-Request"] = "true";
    let response;
    try {
      response = await fetch(target.href, {
        method: "POST",
        body: item.body,
        headers: headers,
        credentials: "same-origin",
      });
    } catch (error) {
      return { state: "wait" };
    }
    if (response.status >= 500 || response.status === 429 || response.status === 408) {
      return { state: "wait" };
    }
    const landed = new URL(response.url || target.href);
    if (landed.pathname !== target.pathname) return { state: "wait", words: text.sign_in };
    const doc = new DOMParser().parseFromString(await response.text(), "text/html");
    const errors = textOf(doc, ".errorlist");
    if (!response.ok || errors) {
      return { state: "refused", words: errors || response.status + " " + response.statusText };
    }
    if (item.kind === "slip" && landed.searchParams.get("saved") !== "1") {
      return { state: "refused", words: text.open_again };
    }
    return { state: "sent", words: textOf(doc, ".messages .message, .badge-ok") || text.saved };
  }

  function exclusively(work) {
    if (navigator.locks) return navigator.locks.request("slipstream-outbox", work);
    return work();
  }

  let sending = false;
  function flush() {
    if (!navigator.onLine || sending) return Promise.resolve();
    sending = true;
    return exclusively(async () => {
      for (const item of await items()) {
        if (item.owner !== owner) continue;
        const answer = await send(item);
        if (answer.state === "wait") {
          if (answer.words) say(answer.words, "warning");
          break;
        }
        await remove(item.key);
        const prefix = answer.state === "sent" ? text.sent : text.refused;
        const tone = answer.state === "sent" ? "success" : "error";
        say(prefix.replace("%(item)s", item.label || text.slip) + " " + answer.words, tone);
      }
    })
      .catch(() => undefined)
      .finally(() => {
        sending = false;
        show();
      });
  }

  /* --- The page: forms, the service worker, the signal coming back. --- */

  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if ((form.getAttribute("method") || "").toLowerCase() !== "post") return;
      const action = new URL(form.action, location.href);
      if (!navigator.onLine) {
        /* Before htmx sees it: with no signal the form is kept, not sent (and a logout waits
         * for the signal, rather than empty the outbox and then fail). */
        event.preventDefault();
        event.stopImmediatePropagation();
        if (action.pathname === outbox.dataset.logout) say(text.needs_signal, "warning");
        else keep(form, event.submitter);
        return;
      }
      if (action.pathname === outbox.dataset.logout) {
        /* Empty the outbox and the kept pages before the session ends. */
        event.preventDefault();
        forget().then(() => form.submit());
      }
    },
    true,
  );

  /* A mark the signal failed on its way (htmx sent it, believing the phone had one): it waits
   * too. Which button was tapped is remembered, as htmx sends that button's value. */
  const tapped = new WeakMap();
  document.addEventListener(
    "click",
    (event) => {
      const button = event.target.closest && event.target.closest("button[name=mark]");
      if (button && button.form) tapped.set(button.form, button);
    },
    true,
  );
  document.addEventListener("htmx:sendError", (event) => {
    const form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
    if (!form || queued(new URL(form.action, location.href)) !== "mark") return;
    keep(form, tapped.get(form));
  });

  /* Back from a slip the signal failed on its way: the service worker kept it. */
  const here = new URL(location.href);
  if (here.searchParams.get("kept") === "1") {
    say(text.kept_weak, "info");
    here.searchParams.delete("kept");
    history.replaceState(history.state, "", here.pathname + here.search + here.hash);
  }

  /* A page opened from the phone's copy with no signal: its blank form's date is today's. */
  if (!navigator.onLine) {
    const today = new Date();
    const local = new Date(today.getTime() - today.getTimezoneOffset() * 60000);
    const iso = local.toISOString().slice(0, 10);
    for (const input of document.querySelectorAll("input[type=date][name=date]")) {
      if (input.value && input.value === input.defaultValue && input.value < iso) input.value = iso;
    }
  }

  window.addEventListener("online", flush);
  claim()
    .then(show)
    .then(flush)
    .catch(() => undefined);

  if ("serviceWorker" in navigator && outbox.dataset.worker) {
    const links = () =>
      [location.href, ...Array.from(document.querySelectorAll("a[href]"), (a) => a.href)].filter(
        (href) => href.startsWith(location.origin),
      );
    navigator.serviceWorker
      .register(outbox.dataset.worker, { scope: "/" })
      .then(() => navigator.serviceWorker.ready)
      .then((registration) => {
        if (navigator.onLine && registration.active) {
          registration.active.postMessage({ type: "keep-pages", urls: links() });
        }
      })
      .catch(() => undefined);
  }
})();

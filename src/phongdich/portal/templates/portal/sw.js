{% load static %}// PhòngDịch portal service worker: the shell cached at install, public pages network-first with the last seen
// copy kept for offline reading, and an offline page when neither is available.
const CACHE = "portal-v1";
const OFFLINE = "{% url 'portal-offline' %}";
const SHELL = [
  "{% url 'portal-home' %}",
  OFFLINE,
  "{% static 'web/app.css' %}",
  "{% static 'portal/portal.css' %}",
  "{% static 'portal/icon-192.png' %}"
];
// Only the public pages are kept for offline reading; pages about one person (their tests, feedback, photos)
// and forms never reach the device's cache.
const PUBLIC = [/^\/portal\/$/, /^\/portal\/news\//, /^\/portal\/levels\/$/, /^\/portal\/sites\/$/,
  /^\/portal\/hotlines\/$/, /^\/portal\/adoption\/$/, /^\/portal\/offline\/$/];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    if (!PUBLIC.some((pattern) => pattern.test(url.pathname))) return;
    event.respondWith(
      fetch(request).then((response) => {
        if (response.ok && !response.headers.get("Cache-Control")?.includes("private")) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      }).catch(() => caches.match(request).then((hit) => hit || caches.match(OFFLINE)))
    );
    return;
  }
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(caches.match(request).then((hit) => hit || fetch(request).then((response) => {
      const copy = response.clone();
      caches.open(CACHE).then((cache) => cache.put(request, copy));
      return response;
    })));
  }
});

// The demo's leaking service: a response cache that never evicts. Each request for a
// new URL adds an entry, and nothing ever removes one.
'use strict';
class CacheEntry {
  constructor(url, body) {
    this.url = url;
    this.body = body;
    this.createdAt = Date.now();
    this.hits = 0;
  }
}
const cache = new Map();
function handle(url) {
  let entry = cache.get(url);
  if (!entry) {
    entry = new CacheEntry(url, { status: 200, payload: 'profile of ' + url });
    cache.set(url, entry);
  }
  entry.hits++;
  return entry.body;
}
for (let i = 0; i < 40000; i++) handle('/users/' + i);
console.log('ready');
setInterval(() => {}, 1 << 30);

// The benchmark's real server: an express app (npm express, pinned in the Makefile)
// whose response cache leaks, loaded by N requests it makes to itself over HTTP.
// Usage: NODE_PATH=.cache/npm/node_modules node express.js [N]
'use strict';
const http = require('http');
const express = require('express');

class CachedResponse {
  constructor(req, body) {
    this.url = req.originalUrl;
    this.headers = { ...req.headers };
    this.body = body;
    this.at = Date.now();
  }
}
const cache = new Map(); // the leak: never evicted
const app = express();
app.use(express.json());
app.get('/users/:id', (req, res) => {
  const body = JSON.stringify({ id: req.params.id, name: 'user ' + req.params.id, tags: ['a', 'b'] });
  cache.set(req.originalUrl, new CachedResponse(req, body));
  res.type('json').send(body);
});
app.get('/health', (req, res) => res.send('ok'));

const n = Number(process.argv[2] || 100_000);
const server = app.listen(0, '127.0.0.1', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const port = server.address().port;
  const get = (path) =>
    new Promise((resolve, reject) => {
      http.get({ host: '127.0.0.1', port, path, agent }, (res) => res.resume().on('end', resolve)).on('error', reject);
    });
  for (let i = 0; i < n; i += 16) {
    await Promise.all(Array.from({ length: Math.min(16, n - i) }, (_, k) => get(`/users/${i + k}?q=${i + k}`)));
  }
  agent.destroy();
  console.log('ready');
});

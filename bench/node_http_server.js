'use strict';
// The server under test for node_http.sh: node's own http module on
// 127.0.0.1, a small JSON response from an async handler (a promise hop per
// request, as real handlers have). Prints its port, serves until killed.
const http = require('http');

async function handle(req) {
  await null;
  return JSON.stringify({ path: req.url, ok: true });
}

const server = http.createServer((req, res) => {
  handle(req).then((body) => {
    res.setHeader('content-type', 'application/json');
    res.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(server.address().port + '\n');
});

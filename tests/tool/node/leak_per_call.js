'use strict';
// The Node.js subject of the fdscope tool tests (built-in modules only).
//
//   node leak_per_call.js COUNT FILE
//
// Starts a TCP server on 127.0.0.1 (port 0) and calls openBackendConnection()
// COUNT times, awaiting each connection (so V8 sees the function hot and
// tiers it up from the interpreter to optimised code as the loop runs), and
// readConfigLeaky() COUNT times, which opens FILE with fs.openSync and never
// closes it: that function is on the stack when the descriptor is created,
// whereas net.connect creates its socket later, from the event loop. Every
// client socket, accepted socket, the server and the files stay open; the
// script ends with process.exit(0), so the library's at-exit dump sees them.
//
// Standard output: "port P", then "clients N accepted N files N".
const net = require('net');
const fs = require('fs');

function openBackendConnection(port) {
  return net.connect({ host: '127.0.0.1', port });
}

function readConfigLeaky(path) {
  return fs.openSync(path, 'r');
}

function connected(sock) {
  return new Promise((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', reject);
  });
}

async function main() {
  const count = Number(process.argv[2]);
  const file = process.argv[3];
  const watchdog = setTimeout(() => {
    process.stderr.write('leak_per_call.js: timed out\n');
    process.exit(3);
  }, 60000);
  const accepted = [];
  const server = net.createServer((s) => accepted.push(s));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  process.stdout.write(`port ${port}\n`);
  const clients = [];
  const files = [];
  for (let i = 0; i < count; i++) {
    const sock = openBackendConnection(port);
    clients.push(sock);
    await connected(sock);
    files.push(readConfigLeaky(file));
    // Let the event loop turn, as a real service between requests does.
    await new Promise((resolve) => setImmediate(resolve));
  }
  while (accepted.length < count) await new Promise((resolve) => setTimeout(resolve, 5));
  clearTimeout(watchdog);
  process.stdout.write(`clients ${clients.length} accepted ${accepted.length} files ${files.length}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`leak_per_call.js: ${err.stack}\n`);
  process.exit(2);
});

'use strict';
// End-to-end subject for fdscope: a Node.js program that leaks TCP client
// connections and one file descriptor, the way the Lambda function in the
// product story leaked one MySQL connection per invocation.
//
//   node leak_sockets.js --count N --file PATH --report PATH [--close]
//
// Starts a TCP server on 127.0.0.1 (port 0), opens N client connections to it
// in openDatabaseConnection() and one file in openConfigFile(). Without
// --close it leaves all of them open and calls process.exit(0); with --close
// it closes everything (clients, accepted ends, server, file) first, waits
// for the close events, and then calls process.exit(0).
//
// --report writes a JSON object with what the checker needs to match the
// dump exactly (server port, client fds and local ports, file fd). Standard
// output gets only deterministic text, so that runs with and without the
// preload can be compared byte for byte.
const net = require('net');
const fs = require('fs');

function parseArgs(argv) {
  const args = { count: 40, file: null, report: null, close: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--count') args.count = Number(argv[++i]);
    else if (a === '--file') args.file = argv[++i];
    else if (a === '--report') args.report = argv[++i];
    else if (a === '--close') args.close = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (!Number.isInteger(args.count) || args.count < 1) throw new Error('--count must be >= 1');
  if (!args.file) throw new Error('--file is required');
  return args;
}

// The leak site the dump must name: one connection per call, never closed.
function openDatabaseConnection(port) {
  return net.connect({ host: '127.0.0.1', port });
}

// The second leak site: a configuration file opened and never closed.
function openConfigFile(path) {
  return fs.openSync(path, 'r');
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const accepted = [];
  const clients = [];
  let connected = 0;
  let finished = false;

  const watchdog = setTimeout(() => {
    process.stderr.write(`leak_sockets.js: timed out: ${connected}/${args.count} connected, ` +
                         `${accepted.length}/${args.count} accepted\n`);
    process.exit(3);
  }, 30000);

  const server = net.createServer((sock) => {
    accepted.push(sock);
    maybeDone();
  });
  server.on('error', (err) => {
    process.stderr.write(`leak_sockets.js: server error: ${err.message}\n`);
    process.exit(2);
  });

  server.listen(0, '127.0.0.1', () => {
    const port = server.address().port;
    for (let i = 0; i < args.count; i++) {
      const sock = openDatabaseConnection(port);
      sock.on('connect', () => {
        connected++;
        maybeDone();
      });
      sock.on('error', (err) => {
        process.stderr.write(`leak_sockets.js: client error: ${err.message}\n`);
        process.exit(2);
      });
      clients.push(sock);
    }
  });

  function maybeDone() {
    if (finished || connected < args.count || accepted.length < args.count) return;
    finished = true;
    const fd = openConfigFile(args.file);
    const stat = fs.fstatSync(fd);
    const report = {
      pid: process.pid,
      server_port: server.address().port,
      clients: clients.map((s) => ({ fd: s._handle.fd, local_port: s.localPort })),
      accepted: accepted.map((s) => ({ fd: s._handle.fd, remote_port: s.remotePort })),
      file_fd: fd,
    };
    if (args.report) fs.writeFileSync(args.report, JSON.stringify(report) + '\n');
    process.stdout.write(`clients connected: ${connected}\n`);
    process.stdout.write(`connections accepted: ${accepted.length}\n`);
    process.stdout.write(`config file opened: size ${stat.size}\n`);
    if (!args.close) {
      process.stdout.write('exiting with everything open\n');
      clearTimeout(watchdog);
      process.exit(0);
    }
    closeEverything(fd, server, clients, accepted, () => {
      process.stdout.write('closed everything\n');
      clearTimeout(watchdog);
      process.exit(0);
    });
  }
}

function closeEverything(fd, server, clients, accepted, done) {
  fs.closeSync(fd);
  const sockets = clients.concat(accepted);
  let pending = sockets.length + 1;
  const one = () => {
    if (--pending === 0) done();
  };
  for (const s of sockets) {
    s.once('close', one);
    s.destroy();
  }
  server.close(one);
}

main();

'use strict';
// Descriptors created after async hops, each from a known line (the
// checker finds "// SITE name" markers): net.connect to a host name (a DNS
// lookup, then internalConnect in its callback) and to an IP address (a
// nextTick, then internalConnect), a setTimeout callback, the fs callback
// API (opened on libuv's threadpool), await then fs.promises.open, and a
// worker thread. Arguments: a file to open, a report path (JSON: the
// server port). Exits with everything open.
const fs = require('fs');
const net = require('net');
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const N = 8;

if (!isMainThread) {
  runWorker();
  return;
}

const [file, reportPath] = process.argv.slice(2);
const keep = [];

function createConnection(host, port) {
  return net.connect({ host, port }); // SITE createConnection
}

async function handler(port) {
  const byName = createConnection('localhost', port); // SITE handler-byName
  const byIp = createConnection('127.0.0.1', port); // SITE handler-byIp
  keep.push(byName, byIp);
  await Promise.all([byName, byIp].map((s) => new Promise((ok) => s.on('connect', ok))));
}

function scheduleOpen(done) {
  setTimeout(function onTimer() { // SITE scheduleOpen
    keep.push(fs.openSync(file, 'r')); // SITE onTimer
    done();
  }, 1);
}

// Timers set by the program's top-level code (the async frame names the
// setTimeout line), as opposed to scheduleOpen's, set from a promise
// continuation (only the callback's own frames: see lang/node/README.md).
let startupOpened = 0;
let startupDone;
const startupTimers = new Promise((ok) => { startupDone = ok; });
function armStartupTimer() {
  setTimeout(function onStartupTimer() { // SITE armStartupTimer
    keep.push(fs.openSync(file, 'r')); // SITE onStartupTimer
    if (++startupOpened === N) startupDone();
  }, 1);
}

function openWithCallback(done) {
  fs.open(file, 'r', (err, fd) => { // SITE openWithCallback
    if (err) throw err;
    keep.push(fd);
    done();
  });
}

async function openAfterAwait() {
  await new Promise((ok) => setImmediate(ok));
  const handle = await fs.promises.open(file, 'r'); // SITE openAfterAwait
  keep.push(handle);
}

function startWorker() {
  return new Worker(__filename, { workerData: { file }, trackUnmanagedFds: false }); // SITE startWorker
}

function runWorker() {
  function openInWorker() {
    return fs.openSync(workerData.file, 'r'); // SITE openInWorker
  }
  const fds = [];
  for (let i = 0; i < N; i++) fds.push(openInWorker()); // SITE worker-loop
  parentPort.postMessage(fds);
  setInterval(() => {}, 1000); // stay alive until the process exits
}

function step(fn) {
  return new Promise((ok) => fn(ok));
}

async function main() {
  const server = net.createServer((c) => keep.push(c));
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const port = server.address().port;
  for (let i = 0; i < N; i++) await handler(port);
  for (let i = 0; i < N; i++) await step(scheduleOpen);
  await startupTimers;
  for (let i = 0; i < N; i++) await step(openWithCallback);
  for (let i = 0; i < N; i++) await openAfterAwait();
  const worker = startWorker();
  const workerFds = await new Promise((ok) => worker.once('message', ok));
  fs.writeFileSync(reportPath, JSON.stringify({ port, workerFds }));
  console.log('done');
  process.exit(0);
}

for (let i = 0; i < N; i++) armStartupTimer();
main();

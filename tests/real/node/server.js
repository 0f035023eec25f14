// An HTTP server on 127.0.0.1 (tests/real/check_node.py): routes that use
// files (fs streams, fs.promises), child processes (spawn, execFile, fork
// with IPC), worker threads and plain responses. Writes its port to the
// file given as argv[2]; stops on GET /quit, then prints what it served
// (deterministic: the client's requests are) and exits 0.
'use strict';
const http = require('http');
const fs = require('fs');
const fsp = require('fs/promises');
const path = require('path');
const crypto = require('crypto');
const { spawn, execFile, fork } = require('child_process');
const { Worker } = require('worker_threads');

const portFile = process.argv[2];
const dataDir = process.argv[3];
const served = {};
const count = (route) => { served[route] = (served[route] || 0) + 1; };

fs.writeFileSync(path.join(dataDir, 'blob.bin'),
  Buffer.concat(Array.from({ length: 256 }, (_, i) => crypto.createHash('sha256').update('blob' + i).digest())));

function workerSum(n) {
  return new Promise((resolve, reject) => {
    const w = new Worker(`
      const { parentPort, workerData } = require('worker_threads');
      const fs = require('fs');
      let s = 0;
      for (let i = 1; i <= workerData; ++i) s += i;
      const fd = fs.openSync(process.execPath, 'r');   // a descriptor from a worker
      fs.closeSync(fd);
      parentPort.postMessage(s);`, { eval: true, workerData: n });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

async function promisesRoundTrip(i) {
  const dir = await fsp.mkdtemp(path.join(dataDir, 'p-'));
  const file = path.join(dir, 'f.txt');
  const fh = await fsp.open(file, 'w');
  await fh.write(`line ${i}\n`.repeat(100));
  await fh.close();
  const text = await fsp.readFile(file, 'utf8');
  const names = await fsp.readdir(dir);
  const st = await fsp.stat(file);
  await fsp.rm(dir, { recursive: true });
  return `${names.join(',')} ${st.size} ${crypto.createHash('sha1').update(text).digest('hex')}`;
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (d) => { out += d; });
    c.on('error', reject);
    c.on('close', (code) => resolve(`${code} ${out.trim()}`));
  });
}

function forkEcho(n) {
  return new Promise((resolve, reject) => {
    const c = fork(path.join(__dirname, 'fork_child.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    c.once('message', (m) => resolve(String(m)));
    c.once('error', reject);
    // 'close' comes after the IPC channel has delivered everything.
    c.once('close', (code) => reject(new Error(`fork child exited ${code} without answering`)));
    c.send(n);
  });
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const route = url.pathname;
  const n = Number(url.searchParams.get('n') || 0);
  try {
    let body;
    if (route === '/busy') {  // the client's phase B, of no set length: not counted
      res.end('busy\n');
      return;
    } else if (route === '/hello') {
      body = `hello ${n}\n`;
    } else if (route === '/blob') {
      count(route);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      fs.createReadStream(path.join(dataDir, 'blob.bin')).pipe(res);
      return;
    } else if (route === '/promises') {
      body = await promisesRoundTrip(n) + '\n';
    } else if (route === '/worker') {
      body = `sum ${await workerSum(1000 + n)}\n`;
    } else if (route === '/spawn') {
      body = await run('/bin/sh', ['-c', `echo spawned ${n}; ls / >/dev/null`]) + '\n';
    } else if (route === '/execfile') {
      body = await new Promise((resolve, reject) => execFile(process.execPath, ['-e', `console.log(${n} * 3)`],
        (err, out) => (err ? reject(err) : resolve(out))));
    } else if (route === '/fork') {
      body = `forked ${await forkEcho(n)}\n`;
    } else if (route === '/quit') {
      count(route);
      res.end('bye\n');
      server.close();
      server.closeIdleConnections();
      return;
    } else {
      res.writeHead(404);
      res.end('no\n');
      count('404');
      return;
    }
    count(route);
    res.end(body);
  } catch (e) {
    count('error');
    res.writeHead(500);
    res.end(String(e));
  }
});

server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile + '.tmp', String(server.address().port));
  fs.renameSync(portFile + '.tmp', portFile);
});
server.on('close', () => {
  for (const k of Object.keys(served).sort()) console.log(`served ${k}: ${served[k]}`);
});

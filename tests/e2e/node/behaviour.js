'use strict';
// End-to-end subject for fdscope: observable results of descriptor calls
// in Node.js.
//
//   node behaviour.js DIR
//
// Prints, one per line, the results and error codes of a fixed sequence of
// calls that create and release descriptors (file, directory, socket, pipe,
// child process), descriptor numbers included, working in DIR (an empty
// scratch directory). Everything printed is deterministic, so runs with and
// without libfdscope.so preloaded must print exactly the same text and exit
// with the same code (3). Run it with a soft and hard RLIMIT_NOFILE of 1024
// (Node.js raises the soft limit to the hard one at start-up).
const fs = require('fs');
const net = require('net');
const path = require('path');
const childProcess = require('child_process');

function out(label, value) {
  process.stdout.write(`${label}: ${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
}

function code(fn) {
  try {
    return `ok ${JSON.stringify(fn())}`;
  } catch (e) {
    return `error ${e.code}`;
  }
}

function once(emitter, event) {
  return new Promise((resolve) => emitter.once(event, resolve));
}

async function main() {
  const dir = fs.realpathSync(process.argv[2]);
  const data = path.join(dir, 'data.txt');
  fs.writeFileSync(data, '0123456789');

  // Failing calls: same error codes.
  out('open missing', code(() => fs.openSync(path.join(dir, 'missing.txt'), 'r')));
  out('open dir for writing', code(() => fs.openSync(dir, 'w')));
  out('open wx existing', code(() => fs.openSync(data, 'wx')));
  out('close never-opened 1000', code(() => fs.closeSync(1000)));
  const first = fs.openSync(data, 'r');
  out('open data.txt', first);
  fs.closeSync(first);
  out('double close', code(() => fs.closeSync(first)));

  // Numbering.
  const fds = [fs.openSync(data, 'r'), fs.openSync(data, 'r'), fs.openSync(data, 'r')];
  out('numbers', fds);
  fs.closeSync(fds[1]);
  const reused = fs.openSync(data, 'r');
  out('reused', reused === fds[1]);
  const buf = Buffer.alloc(4);
  fs.readSync(reused, buf, 0, 4, 3);
  out('read', buf.toString());
  const d = fs.opendirSync(dir);
  const names = [];
  for (let e = d.readSync(); e; e = d.readSync()) names.push(e.name);
  d.closeSync();
  out('dir entries', names.sort());
  const fh = await fs.promises.open(data, 'r');
  out('promise read', (await fh.read(Buffer.alloc(2), 0, 2, 8)).buffer.toString());
  await fh.close();

  // Sockets on loopback.
  const server = net.createServer((s) => s.pipe(s));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = server.address().port;
  const client = net.connect({ host: '127.0.0.1', port });
  await once(client, 'connect');
  client.write('hello');
  out('echo', (await once(client, 'data')).toString());
  const clientClosed = once(client, 'close');
  client.destroy();
  await clientClosed;
  await new Promise((resolve) => server.close(resolve));
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const deadPort = probe.address().port;
  await new Promise((resolve) => probe.close(resolve));
  const refused = net.connect({ host: '127.0.0.1', port: deadPort });
  out('connect to closed port', (await once(refused, 'error')).code);

  // Child processes (exec under the same environment).
  const sh = childProcess.spawnSync('/bin/sh', ['-c', 'echo sh $((2 + 3)); exit 5'], { encoding: 'utf8' });
  out('spawnSync', { stdout: sh.stdout, status: sh.status });
  const child = childProcess.spawn('/bin/sh', ['-c', 'read x; echo got $x; exit 6'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  const closed = once(child, 'close');
  child.stdin.end('ping\n');
  let said = '';
  child.stdout.on('data', (c) => { said += c; });
  const status = await exited;
  await closed;
  out('spawn', { said, status });

  // EMFILE at the 1024 limit, then recovery; twice (two episodes).
  function exhaust() {
    const held = [];
    while (held.length < 5000) {
      try {
        held.push(fs.openSync('/dev/null', 'r'));
      } catch (e) {
        return [held, e.code];
      }
    }
    return [held, 'never'];
  }
  let [held, err] = exhaust();
  out('emfile', err);
  out('socket at limit', await new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port: deadPort });
    s.once('error', (e) => resolve(e.code));
  }));
  const last = held.pop();
  fs.closeSync(last);
  const again = fs.openSync('/dev/null', 'r');
  out('open after closing one', again === last);
  for (const fd of held.concat([again])) fs.closeSync(fd);
  [held, err] = exhaust();
  out('emfile again', err);
  for (const fd of held) fs.closeSync(fd);

  // A listener for the dump signal runs instead of the dump.
  const got = await new Promise((resolve) => {
    // Signal handles do not keep the loop alive; this timer does.
    const timer = setTimeout(() => resolve('no signal within 10 s'), 10000);
    process.once('SIGUSR2', (sig) => {
      clearTimeout(timer);
      resolve(sig);
    });
    process.kill(process.pid, 'SIGUSR2');
  });
  out('own SIGUSR2 listener ran', got);

  // Left open on purpose: the dump at exit must list exactly these.
  out('left open', [fds[0], reused, fds[2]].sort((a, b) => a - b));
  process.exitCode = 3;
}

main().catch((e) => {
  process.stderr.write(`behaviour.js: ${e.stack}\n`);
  process.exit(1);
});

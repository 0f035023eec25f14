'use strict';
// Load generator for node_http.sh: CONNECTIONS keep-alive connections each
// sending requests back to back for WARMUP + SECONDS seconds; prints the
// requests per second completed during the last SECONDS, and the server's
// CPU time per request (user + system, from /proc/SERVER_PID/stat) over
// the same window: on a shared machine throughput swings with what else
// runs, CPU per request much less.
const fs = require('fs');
const http = require('http');
const [port, connections, warmup, seconds, serverPid] = process.argv.slice(2).map(Number);

function serverCpuSeconds() {
  const stat = fs.readFileSync('/proc/' + serverPid + '/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in USER_HZ (100)
}
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
let counting = false;
let done = 0;
let stop = false;

function loop() {
  if (stop) return;
  http.get({ host: '127.0.0.1', port, path: '/item/42', agent }, (res) => {
    res.resume();
    res.on('end', () => {
      if (counting) done++;
      loop();
    });
  }).on('error', (e) => {
    console.error(e.message);
    process.exit(1);
  });
}

for (let i = 0; i < connections; i++) loop();
setTimeout(() => {
  counting = true;
  const t0 = process.hrtime.bigint();
  const cpu0 = serverCpuSeconds();
  setTimeout(() => {
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = serverCpuSeconds() - cpu0;
    stop = true;
    console.log((done / secs).toFixed(0) + ' ' + (cpu * 1e6 / done).toFixed(1));
    agent.destroy();
    process.exit(0);
  }, seconds * 1000);
}, warmup * 1000);

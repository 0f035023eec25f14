// The load on tests/real/node/server.js, from a separate process:
//   node client.js PORT GOFILE REQUESTS
// A: REQUESTS requests over 16 keep-alive connections, a mix of every
//    route, each answer checked; B: /busy requests on 16 connections until
//    GOFILE exists (the test snapshots the server meanwhile; at most 60 s);
//    C: 100 more, then /quit. Prints what is deterministic: the answers'
//    digest per route, the counts of A and C, errors.
'use strict';
const http = require('http');
const fs = require('fs');
const crypto = require('crypto');

const [port, goFile, total] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4])];
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

function get(pathname) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: pathname, agent, timeout: 30000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timeout ' + pathname)));
    req.on('error', reject);
  });
}

// One in five requests starts a process or a thread.
const routes = ['/hello', '/blob', '/hello', '/promises', '/spawn', '/hello', '/hello', '/blob', '/hello', '/execfile',
                '/hello', '/promises', '/hello', '/blob', '/worker', '/hello', '/nothing', '/hello', '/hello', '/fork'];
const digests = {};
const statuses = {};
let errors = 0;

async function phase(requests, start) {
  let next = 0;
  const answers = new Array(requests);
  async function lane() {
    while (next < requests) {
      const i = next++;
      const route = routes[(start + i) % routes.length];
      try {
        answers[i] = [route, await get(`${route}?n=${start + i}`)];
      } catch (e) {
        ++errors;
        console.error(`error: ${route}: ${e.message}`);
      }
    }
  }
  await Promise.all(Array.from({ length: 16 }, lane));
  for (const a of answers) {
    if (!a) continue;
    const [route, r] = a;
    statuses[`${route} ${r.status}`] = (statuses[`${route} ${r.status}`] || 0) + 1;
    digests[route] = crypto.createHash('sha256').update(digests[route] || '').update(r.body).digest('hex');
  }
}

(async () => {
  await phase(total, 0);
  console.log(`phase A: ${total} requests`);
  fs.writeFileSync(goFile + '.loading', 'B');
  const deadline = Date.now() + 60000;
  let bErrors = 0;
  async function lane() {
    while (!fs.existsSync(goFile) && Date.now() < deadline) {
      try {
        const r = await get('/busy');
        if (r.status !== 200) ++bErrors;
      } catch (e) {
        ++bErrors;
      }
    }
  }
  await Promise.all(Array.from({ length: 16 }, lane));
  console.log(`phase B: ${bErrors} errors${fs.existsSync(goFile) ? '' : ', GOFILE never came'}`);
  await phase(100, total);
  console.log('phase C: 100 requests');
  for (const k of Object.keys(statuses).sort()) console.log(`status ${k}: ${statuses[k]}`);
  for (const k of Object.keys(digests).sort()) console.log(`digest ${k}: ${digests[k]}`);
  const bye = await get('/quit');
  console.log(`quit: ${bye.status} ${bye.body.toString().trim()}`);
  console.log(`errors: ${errors}`);
  agent.destroy();
  process.exitCode = errors ? 1 : 0;
})();

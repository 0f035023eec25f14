// SPDX-License-Identifier: MIT
// An HTTP server on 127.0.0.1 (an ephemeral port, printed as "port P"):
// GET /leak opens /etc/hostname from openLog() and keeps it; any other
// path answers "ok". libuv closes the connections with syscall(SYS_close).
'use strict';
const http = require('http');
const fs = require('fs');

const held = [];
function openLog() {
  held.push(fs.openSync('/etc/hostname', 'r'));
}

const server = http.createServer((req, res) => {
  if (req.url === '/leak') openLog();
  res.setHeader('Connection', 'close');
  res.end(req.url === '/leak' ? 'leaked ' + held.length + '\n' : 'ok\n');
});
server.keepAliveTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  console.log('port ' + server.address().port);
});

const net = require('net');
const fs = require('fs');

const db = net.createServer((s) => s.on('data', () => {})).listen(0, '127.0.0.1');
const open = [];

function readTemplate(name) {
  return fs.openSync(__filename, "r");            // leaks: never closed
}

async function handleRequest(i) {
  const conn = net.connect(db.address().port, 'localhost');   // leaks
  open.push(conn, readTemplate('page'));
}

db.on('listening', async () => {
  for (let i = 0; i < 40; i++) await handleRequest(i);
  setTimeout(() => process.exit(0), 200);
});

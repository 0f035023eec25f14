'use strict';
// Synchronous leaks at known lines (the checker finds them by their
// "// SITE name" markers): a plain function, one run hot enough to tier up
// to optimized code, and a small function inlined into a hot caller.
// Argument: a file to open. Exits with everything open.
const fs = require('fs');
const file = process.argv[2];
const keep = [];

function openConfig() {
  return fs.openSync(file, 'r'); // SITE openConfig
}

function openHot(i) {
  // A little arithmetic so the function is worth optimizing.
  const mode = (i * 7) % 3 === 4 ? 'w' : 'r';
  return fs.openSync(file, mode); // SITE openHot
}

function openConnectionForRequest() {
  return fs.openSync(file, 'r'); // SITE openConnectionForRequest
}

function serve(n) {
  for (let i = 0; i < n; i++) {
    keep.push(openConnectionForRequest()); // SITE serve
  }
}

for (let i = 0; i < 10; i++) keep.push(openConfig()); // SITE main-openConfig
for (let i = 0; i < 3000; i++) keep.push(openHot(i)); // SITE main-openHot
serve(4000); // SITE main-serve
console.log('open: %d', keep.length);
process.exit(0);

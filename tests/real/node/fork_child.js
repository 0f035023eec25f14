// The child of server.js's /fork route: doubles a number over the IPC channel.
'use strict';
process.on('message', (m) => {
  process.send(m * 2);
  process.disconnect();
});

'use strict';
// Prints what a program can see of its own environment, for the host
// invariance check: its stack traces (thrown, captured, async, in a
// worker), Error's configuration, process.env, execArgv, require.cache,
// the async hooks' view of a tick, and a child node's NODE_OPTIONS. The
// output must be identical with and without the library.
const { execFileSync } = require('child_process');
const asyncHooks = require('async_hooks');
const { Worker, isMainThread, parentPort } = require('worker_threads');
const path = require('path');

function trimmed(stack) {
  return stack.split('\n').slice(0, 8).join('\n');
}

if (!isMainThread) {
  parentPort.postMessage(trimmed(new Error('in worker').stack));
  return;
}

function inner() {
  return new Error('boom');
}

async function later() {
  await new Promise((ok) => setImmediate(ok));
  return new Error('after await');
}

const out = [];
const env = Object.assign({}, process.env);
// The library's own settings are the caller's, not the library's doing.
delete env.LD_PRELOAD;
delete env.FDSCOPE_OPTIONS;
out.push('env ' + JSON.stringify(Object.keys(env).sort().map((k) => [k, env[k]])));
out.push('NODE_OPTIONS in env: ' + ('NODE_OPTIONS' in process.env) + ' ' + JSON.stringify(process.env.NODE_OPTIONS));
out.push('execArgv ' + JSON.stringify(process.execArgv));
out.push('argv ' + JSON.stringify(process.argv.slice(1)));
out.push('require.cache ' + JSON.stringify(Object.keys(require.cache).map((p) => path.basename(p))));
out.push('prepareStackTrace ' + typeof Error.prepareStackTrace + ' stackTraceLimit ' + Error.stackTraceLimit);
out.push('stack ' + trimmed(inner().stack));
const o = {};
Error.captureStackTrace(o);
out.push('captured ' + trimmed(o.stack));
out.push('globals ' + JSON.stringify(Object.keys(globalThis).sort()));
out.push('executionAsyncId ' + asyncHooks.executionAsyncId());
out.push('child ' + execFileSync(process.execPath, ['-p', 'JSON.stringify([process.env.NODE_OPTIONS, process.execArgv])'],
                                  { encoding: 'utf8' }).trim());

later().then((e) => {
  out.push('async stack ' + trimmed(e.stack));
  const w = new Worker(__filename);
  w.once('message', (m) => {
    out.push('worker ' + m);
    setTimeout(() => {
      try {
        throw new TypeError('from a timer');
      } catch (err) {
        out.push('timer ' + trimmed(err.stack));
      }
      console.log(out.join('\n'));
    }, 1);
  });
});

// SPDX-License-Identifier: MIT
'use strict';
// fdscope's Node.js preload: libfdscope.so (lang=auto) adds
// `--require <this file>` to NODE_OPTIONS, so this runs before the
// program, in the main thread and in every worker thread. It gives each
// async resource a context (a language stack id interned by the library)
// so that a descriptor created after an async hop (a DNS lookup, a
// nextTick, a timer, an fs callback, a worker) carries the JavaScript stack
// that scheduled the work, not only node's internals. See README.md.
//
// The host must not notice: no output, no globals, no change to process.env
// (NODE_OPTIONS is put back exactly), this module is taken out of
// require.cache, the addon is loaded with process.dlopen (not require, so
// it is in no cache), nothing keeps the event loop alive, and any failure
// leaves the program alone.
(function fdscopePreload() {
  try {
    delete require.cache[__filename];
  } catch (e) { /* ignored: best effort */ }

  let addon = null;
  try {
    const mod = { exports: {} };
    process.dlopen(mod, __dirname + '/fdscope_node.node');
    addon = mod.exports;
  } catch (e) {
    addon = null; // --no-addons, a missing or foreign binary: nothing to do
  }

  // Loading worker_threads costs ~3 ms of a start-up: the addon says
  // whether this is the main thread, and only a worker loads the module,
  // for its threadId.
  let isMainThread = true;
  let threadId = 0;
  try {
    if (!addon || !addon.onMainThread()) {
      const wt = require('worker_threads');
      isMainThread = wt.isMainThread;
      threadId = wt.threadId;
    }
  } catch (e) { /* ignored: no worker_threads, main thread */ }

  // A worker's process.env is its own copy, possibly changed by the
  // program before it created the worker: only the main thread's is ours.
  if (isMainThread) restoreNodeOptions(addon);

  let api = null;
  try {
    api = addon ? addon.start(__filename) : null;
  } catch (e) {
    api = null;
  }
  if (!api) return;
  try {
    installHooks(api, isMainThread ? 0 : api.workerContext(threadId));
  } catch (e) { /* ignored: without hooks the synchronous stacks remain */ }

  function restoreNodeOptions(addon) {
    let original;
    try {
      original = addon ? addon.nodeOptions() : undefined;
    } catch (e) {
      original = undefined;
    }
    const env = process.env;
    if (original === undefined) {
      // The library could not say: take out what it adds, textually.
      const ours = '--require ' + JSON.stringify(__filename);
      const now = env.NODE_OPTIONS;
      if (typeof now !== 'string' || !now.startsWith(ours)) return;
      const rest = now.slice(ours.length).replace(/^ /, '');
      if (rest === '') delete env.NODE_OPTIONS;
      else env.NODE_OPTIONS = rest;
      return;
    }
    if (original === null) {
      if ('NODE_OPTIONS' in env) delete env.NODE_OPTIONS;
    } else if (env.NODE_OPTIONS !== original) {
      env.NODE_OPTIONS = original;
    }
  }
})();

// The hooks. Contexts are language stack ids (0: none).
//
// - Resources that can create descriptors capture the stack at their init,
//   chained to their parent's context: that is what devtools' async stack
//   traces show, at the cost of one native call per such resource.
// - Everything else (ticks, timers, immediates, promises, write requests)
//   only inherits its parent's context: no capture, no native call.
// - The parent is the trigger resource when node names one other than the
//   current execution (the socket, for the DNS lookup and for the nextTick
//   that calls internalConnect), else the current execution context.
// - The current context lives in api.slots[0], memory the addon shares, so
//   the before/after hooks switch it without a native call, and the
//   library's capturer reads it when a descriptor is created.
function installHooks(api, base) {
  const asyncHooks = require('async_hooks');
  const executionAsyncId = asyncHooks.executionAsyncId;
  const executionAsyncResource = asyncHooks.executionAsyncResource;
  const slots = api.slots;
  const capture = api.capture;
  const openDone = api.openDone;

  const CAPTURING = new Set([
    'TCPWRAP', 'PIPEWRAP', 'TCPSERVERWRAP', 'PIPESERVERWRAP', 'UDPWRAP', 'TTYWRAP',
    'GETADDRINFOREQWRAP', 'GETNAMEINFOREQWRAP', 'QUERYWRAP', 'TCPCONNECTWRAP', 'PIPECONNECTWRAP',
    'FSREQCALLBACK', 'FSREQPROMISE', 'FSEVENTWRAP', 'STATWATCHER',
    'PROCESSWRAP', 'WORKER',
  ]);
  const ROOTS = new Set(['TickObject', 'Timeout', 'Immediate']);
  const MAX_BY_ID = 8192;
  const MAX_ROOTS = 256;

  const byResource = new WeakMap(); // resource -> context, for before()
  const byId = new Map();           // asyncId -> context of capturing resources, for triggers
  const capturedIn = new Map();     // asyncId -> execution it was captured in
  const pendingAccepted = [];       // accepted connections and their contexts, until the fd is readable
  let rootCount = 0;
  let rootCtx = 0;
  const pendingOpens = new Map();   // asyncId of an fs open request -> FIFO token
  const saved = [];                 // contexts of the callbacks we are nested in
  let pendingWorker = null;         // [WORKER resource, context] until its threadId is known
  let workerWait = 0;

  slots[0] = base;

  function init(asyncId, type, triggerAsyncId, resource) {
    try {
      if (pendingAccepted.length !== 0) attributeAccepted();
      let parent = slots[0];
      if (type === 'PROMISE') {
        // The most frequent resource by far: inherit, nothing else.
        if (parent !== 0) byResource.set(resource, parent);
        return;
      }
      const exec = executionAsyncId();
      let trigger = false;
      if (triggerAsyncId !== exec) {
        const t = byId.get(triggerAsyncId);
        if (t !== undefined) {
          parent = t;
          trigger = true;
        }
      }
      let ctx = parent;
      if (CAPTURING.has(type)) {
        // A trigger captured in this same execution already holds our
        // synchronous callers: chain to the execution's context instead,
        // or they would appear twice (the DNS lookup of net.connect).
        if (trigger && capturedIn.get(triggerAsyncId) === exec) parent = slots[0];
        ctx = capture(parent);
        if (slots[1] !== 0) pendingOpens.set(asyncId, slots[1]);
        if (ctx === parent && trigger && (type === 'TCPWRAP' || type === 'PIPEWRAP')) {
          // Made by node's C++ with no JavaScript running: a connection
          // accepted by a server. Its descriptor belongs to the server's
          // context; what the connection's callbacks do does not inherit
          // it (that would make every request pay for a context its own
          // synchronous stack already explains).
          if (ctx !== 0) pendingAccepted.push(resource, ctx);
          return;
        }
        if (ctx !== 0) remember(asyncId, ctx, exec);
        if (type === 'WORKER') {
          pendingWorker = [resource, ctx];
          workerWait = 0;
        }
      } else if (ctx === 0 && exec === 1 && ROOTS.has(type)) {
        // A hop scheduled by the program's top-level code, which has no
        // context: capture it, everything it leads to inherits it. Bounded,
        // so that a top-level loop of timers costs little. (Elsewhere, a
        // hop from code without a context keeps none: capturing there
        // would cost every request of a server.)
        if (rootCount < MAX_ROOTS) {
          rootCount++;
          rootCtx = capture(0);
        }
        ctx = rootCtx;
      }
      if (pendingWorker !== null) noteWorker();
      if (ctx !== 0) byResource.set(resource, ctx);
    } catch (e) { /* ignored: a hook must never throw into the host */ }
  }

  function remember(asyncId, ctx, exec) {
    byId.set(asyncId, ctx);
    capturedIn.set(asyncId, exec);
    if (byId.size > MAX_BY_ID) {
      const oldest = byId.keys().next().value;
      byId.delete(oldest);
      capturedIn.delete(oldest);
    }
  }

  // An accepted connection's init hook runs inside its C++ constructor,
  // before its fd getter works (reading it there crashes node): its
  // descriptor, accepted before any hook ran, is attributed at the next
  // hook, when the object is complete.
  function attributeAccepted() {
    for (let i = 0; i < pendingAccepted.length; i += 2) {
      const fd = pendingAccepted[i].fd;
      if (typeof fd === 'number' && fd >= 0) api.attribute(fd, pendingAccepted[i + 1]);
    }
    pendingAccepted.length = 0;
  }

  // The WORKER resource gets its threadId after its init hook ran, before
  // the worker thread starts (the Worker constructor makes message ports,
  // whose init hooks come here first).
  function noteWorker() {
    const id = pendingWorker[0].threadId;
    if (typeof id === 'number') {
      api.workerCreated(id, pendingWorker[1]);
      pendingWorker = null;
    } else if (++workerWait > 64) {
      pendingWorker = null;
    }
  }

  function before(asyncId) {
    try {
      if (pendingAccepted.length !== 0) attributeAccepted();
      saved.push(slots[0]);
      const ctx = byResource.get(executionAsyncResource());
      slots[0] = ctx === undefined ? base : ctx;
      if (pendingOpens.size !== 0) {
        const token = pendingOpens.get(asyncId);
        if (token !== undefined) {
          pendingOpens.delete(asyncId);
          openDone(token);
        }
      }
    } catch (e) { /* ignored */ }
  }

  function after() {
    // An uncaught exception skips after hooks: the stack is then realigned
    // by the next before() at the top of the loop.
    slots[0] = saved.length !== 0 ? saved.pop() : base;
  }

  asyncHooks.createHook({ init, before, after }).enable();
}

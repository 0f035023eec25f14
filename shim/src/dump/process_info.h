// SPDX-License-Identifier: MIT
// Facts about the process for a dump's header. Environment values are
// captured at start-up (the environment may change, and reading it later
// races with setenv); the rest is read from /proc when the dump is written.
#pragma once

#include <stddef.h>

#include "util/json_writer.h"
#include "util/scratch.h"

namespace fdscope {

void process_info_init();

// What a header says about the process, read before the dump opens its
// output (at the descriptor limit only one descriptor is free at a time).
struct ProcessFacts {
  char exe[4096];
  size_t exe_len;
  const char* cmdline;  // NUL-separated arguments
  size_t cmdline_len;
};
void gather_process_facts(Scratch& scratch, ProcessFacts* facts);

// Writes ,"exe":...,"argv":[...],"host":... and the Lambda identity fields.
void write_process_fields(JsonWriter& w, const ProcessFacts& facts);

// The unique id of this process run, for telling apart processes with the
// same pid on different machines (every Lambda sandbox has small pids).
const char* run_id();
// AWS_LAMBDA_FUNCTION_NAME as it was at start-up, or "".
const char* lambda_function_name();
void process_info_after_fork();

}  // namespace fdscope

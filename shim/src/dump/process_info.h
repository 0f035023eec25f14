// Facts about the process for a dump's header. Environment values are
// captured at start-up (the environment may change, and reading it later
// races with setenv); the rest is read from /proc when the dump is written.
#pragma once

#include "json_writer.h"

namespace fdscope {

void process_info_init();

// Writes ,"exe":...,"argv":[...],"host":... and the Lambda identity fields.
void write_process_fields(JsonWriter& w);

// The unique id of this process run, for telling apart processes with the
// same pid on different machines (every Lambda sandbox has small pids).
const char* run_id();
void process_info_after_fork();

}  // namespace fdscope

// Waiting for a child process with a timeout, and its wait status as text.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>

namespace fdscope::test {

// Waits for pid up to `timeout`, then SIGKILLs and reaps it. The wait
// status, or nullopt on timeout (or if pid cannot be waited for).
std::optional<int> wait_child(pid_t pid, std::chrono::milliseconds timeout);

// "exit N", "signal <name>" or "status N".
std::string describe_status(int status);

}  // namespace fdscope::test

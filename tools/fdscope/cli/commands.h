// SPDX-License-Identifier: MIT
// The fdscope subcommands. Each takes the arguments after its name and
// returns the process exit status (docs: README "Exit status").
#pragma once

namespace fdscope::tool {

// Exit statuses of the tool itself (run passes the program's status on).
constexpr int kExitOk = 0;
constexpr int kExitProblems = 1;   // report: some input could not be read
constexpr int kExitUsage = 2;      // bad command line
constexpr int kExitToolFailed = 125;  // run: fdscope failed before the program ran

int cmd_run(int argc, char** argv);
int cmd_report(int argc, char** argv);
int cmd_diff(int argc, char** argv);
int cmd_snapshot(int argc, char** argv);
int cmd_attach(int argc, char** argv);
int cmd_detach(int argc, char** argv);

}  // namespace fdscope::tool

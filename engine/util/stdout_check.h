// Standard output is a sink like any other: a full disk or a closed pipe
// behind `segctl customers > file` must not end in exit 0 with a truncated
// file. Mains call FinishStdout last.
#pragma once

namespace segstream {

// Flushes stdout. When that or any earlier write to it failed, prints
// "PROGRAM: cannot write standard output: REASON" to stderr and returns 1
// (unless `exit_code` is already non-zero, which is kept).
int FinishStdout(const char* program, int exit_code);

}  // namespace segstream

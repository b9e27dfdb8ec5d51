// FinishStdout; see stdout_check.h.
#include "engine/util/stdout_check.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace segstream {

int FinishStdout(const char* program, int exit_code) {
  errno = 0;
  const bool flushed = std::fflush(stdout) == 0;
  if (flushed && !std::ferror(stdout)) return exit_code;
  const int e = errno;
  std::fprintf(stderr, "%s: cannot write standard output: %s\n", program,
               e != 0 ? std::strerror(e) : "write error");
  return exit_code != 0 ? exit_code : 1;
}

}  // namespace segstream

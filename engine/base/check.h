#pragma once

// Always-on invariant checks. A failed WEIR_CHECK is a bug in Weir, never a
// user's mistake: user errors are returned as absl::Status.

#include <cstdio>
#include <cstdlib>

namespace weir::internal {
[[noreturn]] inline void CheckFailed(const char* expr, const char* file,
                                     int line, const char* msg) {
  std::fprintf(stderr, "weir: internal error: check failed: %s at %s:%d%s%s\n",
               expr, file, line, msg[0] ? ": " : "", msg);
  std::abort();
}
}  // namespace weir::internal

/// Aborts with the expression and location when `cond` is false.
#define WEIR_CHECK(cond)                                                       \
  do {                                                                         \
    if (!(cond)) ::weir::internal::CheckFailed(#cond, __FILE__, __LINE__, ""); \
  } while (false)

/// Like WEIR_CHECK, with a static message.
#define WEIR_CHECK_MSG(cond, msg)                                    \
  do {                                                               \
    if (!(cond))                                                     \
      ::weir::internal::CheckFailed(#cond, __FILE__, __LINE__, msg); \
  } while (false)

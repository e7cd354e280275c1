#pragma once

// Failpoints: named places in the code where a test makes the process fail
// on purpose, to show that a crash or an error at that exact moment is
// harmless (checkpoints: after a task's state is written, before and after
// the commit record). As RocksDB's SyncPoint, but compiled into every
// build: a point does nothing until armed, and a disarmed point costs one
// relaxed atomic load, so release builds keep them and a test (or an
// operator reproducing a crash) arms them in a real `weir` process:
//
//   WEIR_FAILPOINTS='checkpoint.after_state_write=crash' weir -f job.sql
//
// A point is armed with an action:
//   - error: the point returns an Internal error naming it (the enclosing
//     function returns it, as any other failure);
//   - crash: the process ends at once with _exit(kFailpointExitCode),
//     without destructors, flushes or atexit handlers -- as close to
//     kill -9 at that line as a program can get by itself.
// Optionally after skipping the first N hits ("name=crash@3": the 3rd hit
// acts), so a test can let some checkpoints complete first.
//
// Thread-safe: points are hit from worker threads while tests arm them.

#include <atomic>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace weir {

/// The exit status of a process that a `crash` failpoint ended.
inline constexpr int kFailpointExitCode = 87;

enum class FailpointAction { kError, kCrash };

namespace failpoint_internal {
/// How many points are armed; the fast path reads only this.
extern std::atomic<int> armed;
/// The slow path: OK unless `name` is armed and acts now.
absl::Status Hit(std::string_view name);
}  // namespace failpoint_internal

/// Arms `name`: its `nth` hit from now on (1: the next) acts, and every hit
/// after that too.
void ArmFailpoint(std::string_view name, FailpointAction action, int nth = 1);
void DisarmFailpoint(std::string_view name);
void DisarmAllFailpoints();
/// How often `name` was hit while armed (tests).
int FailpointHits(std::string_view name);

/// Arms the points of `spec`: "name=crash|error[@n],..." (spaces allowed
/// around the separators). InvalidArgument, naming the part, for a
/// malformed spec; nothing is armed then.
absl::Status ArmFailpoints(std::string_view spec);
/// Arms what the environment variable WEIR_FAILPOINTS says (nothing when it
/// is unset or empty); its errors as ArmFailpoints'.
absl::Status ArmFailpointsFromEnvironment();

/// The status of failpoint `name` now: OK when it is not armed (one
/// relaxed load), else per its action.
inline absl::Status FailpointStatus(std::string_view name) {
  if (failpoint_internal::armed.load(std::memory_order_relaxed) == 0)
    return absl::OkStatus();
  return failpoint_internal::Hit(name);
}

}  // namespace weir

/// Returns the failpoint's error from the enclosing function (which
/// returns absl::Status or absl::StatusOr) when `name` is armed to fail.
#define WEIR_FAILPOINT(name)                                             \
  do {                                                                   \
    if (::weir::failpoint_internal::armed.load(                          \
            std::memory_order_relaxed) != 0) {                           \
      ::absl::Status weir_failpoint_status_ =                            \
          ::weir::failpoint_internal::Hit(name);                         \
      if (!weir_failpoint_status_.ok()) return weir_failpoint_status_;   \
    }                                                                    \
  } while (false)

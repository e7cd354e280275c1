#pragma once

// The line a push query's progress shows on while it waits for its first
// row (a mysql-cdc snapshot: "snapshot 12000 of ~50000 rows, 4100
// rows/s", Source::Progress as SHOW QUERIES shows it). On a terminal it
// is one line overwritten in place and erased when cleared; elsewhere (a
// file, a pipe) each update is a line of its own and clearing writes
// nothing. At most one update a second.

#include <chrono>
#include <cstdio>
#include <string>

namespace weir::cli {

class ProgressLine {
 public:
  using Clock = std::chrono::steady_clock;

  /// Writes to `out` (stderr), as a terminal when `terminal`.
  ProgressLine(std::FILE* out, bool terminal)
      : out_(out), terminal_(terminal) {}

  /// Shows `text` at `now` ("" clears it): written when it is the first
  /// text since the last clear, or a second has passed since the last one
  /// written; a terminal's line is erased when `text` is "" (or
  /// overwritten by the next text).
  void Update(const std::string& text, Clock::time_point now);

  /// Whether a terminal line is shown (not yet cleared).
  bool shown() const { return shown_; }

 private:
  std::FILE* out_;
  bool terminal_;
  bool shown_ = false;
  bool written_ = false;  // any text yet (the first is written at once)
  Clock::time_point last_;
};

}  // namespace weir::cli

#pragma once

// Small helpers the benchmarks share: medians, clocks, the process's CPU
// time, the load average and flag parsing. Header-only; bench/ is not a
// module of Weir, and this is not part of its build beyond the benchmarks.

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fmt/format.h"

namespace weir::bench {

using BenchClock = std::chrono::steady_clock;

/// The median of `v` (the upper one of an even count); 0 when empty.
inline double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

inline double SecondsSince(BenchClock::time_point start) {
  return std::chrono::duration<double>(BenchClock::now() - start).count();
}

/// CPU seconds (user + system) of this process so far, every thread.
inline double ProcessCpuSeconds() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const struct timeval& t) {
    return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

/// CPU seconds (user + system) of process `pid` (a server on this
/// machine) so far, from /proc/<pid>/stat; 0 when it cannot be read.
inline double PidCpuSeconds(int pid) {
  if (pid <= 0) return 0;
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string line;
  std::getline(in, line);
  const size_t close = line.rfind(')');  // the name may hold spaces
  if (close == std::string::npos) return 0;
  std::istringstream fields(line.substr(close + 2));
  std::string f;
  double utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {  // field 3 is the state
    if (i == 14) utime = std::atof(f.c_str());
    if (i == 15) {
      stime = std::atof(f.c_str());
      break;
    }
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

/// The 1, 5 and 15 minute load averages, from /proc/loadavg.
inline std::string LoadAverage() {
  double load[3] = {-1, -1, -1};
  if (std::FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
      load[0] = -1;
    std::fclose(f);
  }
  return fmt::format("{:.2f} {:.2f} {:.2f}", load[0], load[1], load[2]);
}

/// Walks argv as "--flag value" pairs:
///   FlagReader flags(argc, argv);
///   while (flags.Next()) {
///     if (const char* v = flags.Value("--events")) ... else Die(usage);
///   }
/// A flag given last without its value exits with a message.
class FlagReader {
 public:
  FlagReader(int argc, char** argv) : argc_(argc), argv_(argv) {}
  /// Advances to the next argument; false at the end.
  bool Next() { return ++i_ < argc_; }
  const char* current() const { return argv_[i_]; }
  /// The value after the current argument when that is `flag`; else
  /// nullptr.
  const char* Value(const char* flag) {
    if (std::strcmp(argv_[i_], flag) != 0) return nullptr;
    if (i_ + 1 >= argc_) {
      std::fprintf(stderr, "%s: %s needs a value\n", argv_[0], flag);
      std::exit(1);
    }
    return argv_[++i_];
  }

 private:
  int argc_;
  char** argv_;
  int i_ = 0;
};

}  // namespace weir::bench

#pragma once

// The `weir` binary (WEIR_BINARY) as a process of its own that a test
// kills: `weir -f -` over a script, its standard output and error in
// files, SIGKILL or SIGTERM at the test's moment. The kill -9 loops
// (kill_loop_test.cc, mysql_view_kill_loop_test.cc) run it.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "tests/unit/run_weir.h"

namespace weir::testing {

/// `weir -f -` running the script, stdout and stderr into files in `dir`
/// (in, out, err).
class WeirProcess {
 public:
  WeirProcess(const std::string& script, const std::string& dir)
      : out_(dir + "/out"), err_(dir + "/err") {
    const std::string in = dir + "/in";
    std::ofstream(in) << script;
    // Emptied here, not only by the child: what the run before printed
    // must not pass for this one's output.
    std::ofstream(out_, std::ios::trunc).flush();
    std::ofstream(err_, std::ios::trunc).flush();
    pid_ = fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      const int i = open(in.c_str(), O_RDONLY);
      const int o = open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int e = open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (i < 0 || o < 0 || e < 0) _exit(127);
      dup2(i, 0);
      dup2(o, 1);
      dup2(e, 2);
      internal::ExecWeir({"-f", "-"}, {});
    }
  }
  ~WeirProcess() {
    if (pid_ > 0) Kill();
  }

  /// Waits until its queries run (the script's last statement, SHOW
  /// QUERIES, is printed).
  void WaitUntilRunning() {
    while (out().find("rows)") == std::string::npos && !exited()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    BOOST_REQUIRE_MESSAGE(!exited(), "weir ended: " << err());
  }
  /// Standard output so far.
  std::string out() const { return ReadFile(out_); }
  std::string err() const { return ReadFile(err_); }
  /// Whether it has exited (reaped then).
  bool exited() {
    if (pid_ <= 0) return true;
    if (waitpid(pid_, nullptr, WNOHANG) != pid_) return false;
    pid_ = 0;
    return true;
  }
  void Kill() {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = 0;
  }
  /// SIGTERM; its exit code (-1: not a normal exit).
  int Stop() {
    kill(pid_, SIGTERM);
    const int code = internal::ExitCode(pid_);
    pid_ = 0;
    return code;
  }

 private:
  std::string out_, err_;
  pid_t pid_ = 0;
};

/// The checkpoint SHOW QUERIES says the query writing `name` resumed from
/// (0: none), from a row "| name | ... | resumed from N |".
inline uint64_t ResumedFrom(const std::string& out, const std::string& name) {
  const size_t row = out.find("| " + name + " ");
  if (row == std::string::npos) return 0;
  const std::string line = out.substr(row, out.find('\n', row) - row);
  const size_t at = line.find("resumed from ");
  return at == std::string::npos ? 0 : std::stoull(line.substr(at + 13));
}

}  // namespace weir::testing

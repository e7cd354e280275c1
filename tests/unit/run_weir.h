#pragma once

// Runs the weir binary (WEIR_BINARY) from a test as a user would: with
// arguments and standard input, or on a pseudo terminal for the interactive
// shell. Both block until weir exits; a weir that hangs is stopped by
// CTest's timeout, not by a clock here.

#include <fcntl.h>
#include <pty.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace weir::testing {

struct WeirRun {
  int exit_code = -1;  // -1 when weir did not exit normally
  std::string out;     // standard output; on a terminal, all it showed
  std::string err;     // standard error (empty on a terminal)
};

/// A fresh directory under /tmp, for HOME or files; the test removes it.
inline std::string MakeTempDir() {
  char name[] = "/tmp/weir_test_XXXXXX";
  const char* dir = mkdtemp(name);
  BOOST_REQUIRE(dir != nullptr);
  return dir;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

namespace internal {

// In the child: sets `env` ("NAME=value"), runs weir with `args`.
[[noreturn]] inline void ExecWeir(const std::vector<std::string>& args,
                                  const std::vector<std::string>& env) {
  for (const std::string& setting : env) {
    const size_t eq = setting.find('=');
    setenv(setting.substr(0, eq).c_str(), setting.substr(eq + 1).c_str(), 1);
  }
  std::vector<char*> argv;
  std::string binary = WEIR_BINARY;
  argv.push_back(binary.data());
  std::vector<std::string> copies = args;
  for (std::string& arg : copies) argv.push_back(arg.data());
  argv.push_back(nullptr);
  execv(binary.c_str(), argv.data());
  _exit(127);
}

/// `env` with HOME and XDG_DATA_HOME under `dir` unless it sets them: a
/// run of the shell keeps the state of persistent queries under
/// XDG_DATA_HOME (docs/state-and-recovery.md), and each run starts afresh
/// unless the test passes the same directory again to resume.
inline std::vector<std::string> PrivateHomes(std::vector<std::string> env,
                                             const std::string& dir) {
  const std::pair<const char*, const char*> homes[] = {
      {"HOME", "/home"}, {"XDG_DATA_HOME", "/data"}};
  for (const auto& home : homes) {
    const std::string prefix = std::string(home.first) + "=";
    bool given = false;
    for (const std::string& setting : env) {
      given = given || setting.rfind(prefix, 0) == 0;
    }
    if (given) continue;
    const std::string path = dir + home.second;
    mkdir(path.c_str(), 0700);
    env.push_back(prefix + path);
  }
  return env;
}

inline int ExitCode(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace internal

/// Runs weir with `args`, `input` as standard input (a file) and `env`
/// added to the environment (with a private HOME and XDG_DATA_HOME,
/// removed after, unless `env` sets them: PrivateHomes).
inline WeirRun RunWeir(const std::vector<std::string>& args,
                       const std::string& input = "",
                       const std::vector<std::string>& env = {}) {
  const std::string dir = MakeTempDir();
  std::ofstream(dir + "/in", std::ios::binary) << input;
  const std::vector<std::string> full_env = internal::PrivateHomes(env, dir);
  const pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    const int in = open((dir + "/in").c_str(), O_RDONLY);
    const int out = open((dir + "/out").c_str(), O_WRONLY | O_CREAT, 0600);
    const int err = open((dir + "/err").c_str(), O_WRONLY | O_CREAT, 0600);
    if (in < 0 || out < 0 || err < 0) _exit(127);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    internal::ExecWeir(args, full_env);
  }
  WeirRun run;
  run.exit_code = internal::ExitCode(pid);
  run.out = ReadFile(dir + "/out");
  run.err = ReadFile(dir + "/err");
  std::system(("rm -rf '" + dir + "'").c_str());
  BOOST_TEST_MESSAGE("weir exit " << run.exit_code << "\nstdout:\n"
                                  << run.out << "\nstderr:\n"
                                  << run.err);
  return run;
}

/// Runs weir with `args` on a pseudo terminal, as the interactive shell:
/// types each of `lines` once weir has shown one more prompt ("weir> " or
/// "  ...> ") than before, then reads all it shows until it exits. The last
/// line should end the shell (`exit`). HOME and XDG_DATA_HOME as for
/// RunWeir.
inline WeirRun RunWeirOnTerminal(const std::vector<std::string>& args,
                                 const std::vector<std::string>& lines,
                                 const std::vector<std::string>& env = {}) {
  const std::string dir = MakeTempDir();
  const std::vector<std::string> full_env = internal::PrivateHomes(env, dir);
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) internal::ExecWeir(args, full_env);
  WeirRun run;
  size_t prompts = 0;
  auto count_prompts = [&] {
    size_t n = 0;
    for (const char* prompt : {"weir> ", "  ...> "}) {
      for (size_t at = run.out.find(prompt); at != std::string::npos;
           at = run.out.find(prompt, at + 1)) {
        ++n;
      }
    }
    return n;
  };
  // Reads what the terminal shows; false once weir has closed it.
  auto read_more = [&] {
    char buffer[4096];
    for (;;) {
      const ssize_t n = read(master, buffer, sizeof buffer);
      if (n > 0) {
        run.out.append(buffer, static_cast<size_t>(n));
        return true;
      }
      if (n < 0 && errno == EINTR) continue;
      return false;  // EIO: the other side is closed
    }
  };
  for (const std::string& line : lines) {
    while (count_prompts() <= prompts && read_more()) {
    }
    prompts = count_prompts();
    const std::string typed = line + "\r";
    BOOST_REQUIRE(write(master, typed.data(), typed.size()) ==
                  static_cast<ssize_t>(typed.size()));
  }
  while (read_more()) {
  }
  close(master);
  run.exit_code = internal::ExitCode(pid);
  std::system(("rm -rf '" + dir + "'").c_str());
  BOOST_TEST_MESSAGE("weir exit " << run.exit_code << "\nterminal:\n"
                                  << run.out);
  return run;
}

}  // namespace weir::testing

// weir: the command-line front door of the engine.
//
//   weir                      interactive shell (or a script from a pipe)
//   weir -e "SQL" [-e ...]    run statements and exit
//   weir -f file.sql [-f -]   run files (- is stdin) and exit
//   weir broker [--brokers N] run an embedded Kafka broker until SIGINT/SIGTERM
//
// -e and -f may be mixed; they run in command-line order through one
// session, and the first error stops everything with exit status 1.

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "cli/shell.h"
#include "cli/table_printer.h"
#include "connectors/kafka/embedded_broker.h"
#include "engine/session/session.h"

#ifndef WEIR_VERSION
#define WEIR_VERSION "0.0.0-dev"
#endif

namespace weir::cli {
namespace {

// One script to run: its label for errors and its text.
struct Script {
  std::string label;
  std::string text;
};

// Reads all of `file` (already open). Returns nullopt and sets errno on a
// read error.
std::optional<std::string> ReadAll(std::FILE* file) {
  std::string text;
  char chunk[1 << 16];
  size_t n = 0;
  while ((n = std::fread(chunk, 1, sizeof chunk, file)) > 0) {
    text.append(chunk, n);
  }
  if (std::ferror(file)) return std::nullopt;
  return text;
}

// The text of `path` ("-" for stdin), or an error message naming the file.
std::optional<std::string> ReadScript(const std::string& path,
                                      std::string* error) {
  if (path == "-") {
    std::optional<std::string> text = ReadAll(stdin);
    if (!text)
      *error =
          "cannot read standard input: " + std::string(std::strerror(errno));
    return text;
  }
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    *error = "cannot read file '" + path + "': " + std::strerror(errno);
    return std::nullopt;
  }
  std::optional<std::string> text = ReadAll(file);
  const int read_errno = errno;
  std::fclose(file);
  if (!text) {
    *error = "cannot read file '" + path + "': " + std::strerror(read_errno);
  }
  return text;
}

std::string HistoryPath() {
  const char* home = std::getenv("HOME");
  if (home == nullptr || home[0] == '\0') return "";
  return std::string(home) + "/.weir_history";
}

// What `weir broker` was asked for.
struct BrokerOptions {
  int brokers = 1;
  int partitions = connectors::kafka::EmbeddedBroker::kAutoCreatePartitions;
  std::vector<std::string> topics;
};

// `weir broker`: an embedded Kafka broker for other processes (kcat, another
// weir, tests). Prints the address as the first line of standard output,
// then the limits, and runs until SIGINT or SIGTERM; exit status 0 then.
int RunBroker(const BrokerOptions& options) {
  using connectors::kafka::EmbeddedBroker;
  // Block the stop signals before librdkafka starts its threads, so they
  // inherit the mask and only sigwait below sees the signals.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  absl::StatusOr<std::unique_ptr<EmbeddedBroker>> broker =
      EmbeddedBroker::Start(options.brokers);
  if (!broker.ok()) {
    std::fprintf(stderr, "Error: %s\n",
                 std::string(broker.status().message()).c_str());
    return 1;
  }
  for (const std::string& topic : options.topics) {
    absl::Status status = (*broker)->CreateTopic(topic, options.partitions);
    if (!status.ok()) {
      std::fprintf(stderr, "Error: %s\n",
                   std::string(status.message()).c_str());
      return 1;
    }
  }
  std::printf("Embedded Kafka broker listening on %s\n",
              (*broker)->bootstrap_servers().c_str());
  std::printf(
      "Limits: in memory only (all data is lost when it stops); each "
      "partition keeps only its last 5 MiB / 100,000 message sets.\n");
  std::printf("Topics are created on first produce with %d partitions",
              EmbeddedBroker::kAutoCreatePartitions);
  if (!options.topics.empty()) {
    std::printf("; created %zu topic(s) with %d partitions",
                options.topics.size(), options.partitions);
  }
  std::printf(".\nTry: kcat -b %s -L\nStop with Ctrl-C.\n",
              (*broker)->bootstrap_servers().c_str());
  std::fflush(stdout);

  int signal_number = 0;
  while (sigwait(&stop_signals, &signal_number) != 0) {
  }
  broker->reset();
  std::fprintf(stderr, "Embedded Kafka broker stopped (%s).\n",
               signal_number == SIGINT ? "SIGINT" : "SIGTERM");
  return 0;
}

int Main(int argc, char** argv) {
  CLI::App app{
      "Weir: a streaming SQL engine.\n"
      "With no -e or -f, starts the interactive shell; when standard input "
      "is not a terminal, runs it as a script instead.",
      "weir"};
  std::vector<std::string> statements;
  std::vector<std::string> files;
  bool echo = false;
  CLI::Option* execute_option =
      app.add_option("-e,--execute", statements,
                     "Run the SQL statements in SQL and exit (repeatable)")
          ->type_name("SQL")
          ->allow_extra_args(false);
  CLI::Option* file_option =
      app.add_option("-f,--file", files,
                     "Run the statements in FILE and exit; '-' reads standard "
                     "input (repeatable)")
          ->type_name("FILE")
          ->allow_extra_args(false);
  app.add_flag("--echo", echo, "Print each statement before its result");
  app.set_version_flag("--version", "weir " WEIR_VERSION);
  BrokerOptions broker_options;
  CLI::App* broker_command = app.add_subcommand(
      "broker",
      "Run an embedded Kafka broker (librdkafka's mock cluster) on 127.0.0.1 "
      "until Ctrl-C or SIGTERM; prints its address first. In memory only; "
      "each partition keeps its last 5 MiB / 100,000 message sets. Ports are "
      "chosen by the OS.");
  broker_command
      ->add_option("--brokers", broker_options.brokers,
                   "Number of brokers (default 1)")
      ->check(CLI::Range(1, 16));
  broker_command
      ->add_option("--topic", broker_options.topics,
                   "Create topic NAME at start (repeatable)")
      ->type_name("NAME")
      ->allow_extra_args(false);
  broker_command
      ->add_option("--partitions", broker_options.partitions,
                   "Partitions of each --topic (default 4; topics created on "
                   "first produce always get 4)")
      ->check(CLI::Range(1, 100000));
  app.footer(
      "-e and -f run in the order given, through one session; the first "
      "error stops the run with exit status 1.\n"
      "Examples:\n"
      "  weir -e \"SHOW STREAMS;\"\n"
      "  weir -f setup.sql -e \"EXPLAIN SELECT * FROM bids EMIT CHANGES;\"\n"
      "  weir broker --topic bids --partitions 8");
  // CLI11 reports parse errors by throwing; this is the one place they are
  // caught. Usage errors exit with 2, as is customary.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (*broker_command) {
    if (execute_option->count() > 0 || file_option->count() > 0) {
      std::fprintf(stderr, "Error: 'weir broker' takes no -e or -f\n");
      return 2;
    }
    return RunBroker(broker_options);
  }

  // Gather the scripts in command-line order, and read every file before
  // running anything, so a missing file stops the run before it starts.
  std::vector<Script> scripts;
  size_t next_statement = 0;
  size_t next_file = 0;
  for (const CLI::Option* option : app.parse_order()) {
    if (option == execute_option && next_statement < statements.size()) {
      scripts.push_back(Script{"", statements[next_statement++]});
    } else if (option == file_option && next_file < files.size()) {
      const std::string& path = files[next_file++];
      std::string error;
      std::optional<std::string> text = ReadScript(path, &error);
      if (!text) {
        std::fprintf(stderr, "Error: %s\n", error.c_str());
        return 1;
      }
      scripts.push_back(Script{path == "-" ? "<stdin>" : path, *text});
    }
  }

  absl::StatusOr<std::unique_ptr<Session>> session = Session::Create();
  if (!session.ok()) {
    std::fprintf(stderr, "Error: %s\n",
                 std::string(session.status().message()).c_str());
    return 1;
  }

  PrintOptions print;
  print.echo = echo;
  AttachPushPrinter(**session, print, stdout);
  print.max_width = TerminalWidth(fileno(stdout));

  if (execute_option->count() > 0 || file_option->count() > 0) {
    for (const Script& script : scripts) {
      if (!RunScript(**session, script.text, script.label, print)) return 1;
    }
    return 0;
  }

  if (!isatty(STDIN_FILENO)) {
    std::string error;
    std::optional<std::string> text = ReadScript("-", &error);
    if (!text) {
      std::fprintf(stderr, "Error: %s\n", error.c_str());
      return 1;
    }
    return RunScript(**session, *text, "", print) ? 0 : 1;
  }

  ShellOptions shell;
  shell.history_path = HistoryPath();
  shell.print = print;
  catalog::Catalog* catalog = &(*session)->catalog();
  shell.completion_names = [catalog]() {
    std::vector<std::string> names;
    for (catalog::EntryKind kind :
         {catalog::EntryKind::kStream, catalog::EntryKind::kTable,
          catalog::EntryKind::kView, catalog::EntryKind::kSink}) {
      for (const catalog::Entry* entry : catalog->List(kind)) {
        names.push_back(entry->name);
      }
    }
    return names;
  };
  return RunShell(**session, shell);
}

}  // namespace
}  // namespace weir::cli

int main(int argc, char** argv) { return weir::cli::Main(argc, argv); }

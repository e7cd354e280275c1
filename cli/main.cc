// weir: the command-line front door of the engine.
//
//   weir                      interactive shell (or a script from a pipe)
//   weir -e "SQL" [-e ...]    run statements and exit
//   weir -f file.sql [-f -]   run files (- is stdin) and exit
//   weir broker [--brokers N] run an embedded Kafka broker until SIGINT/SIGTERM
//   weir gen --nexmark ...    write generated Nexmark rows to a Kafka topic
//
// -e and -f may be mixed; they run in command-line order through one
// session, and the first error stops everything with exit status 1.

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "cli/config_file.h"
#include "cli/shell.h"
#include "cli/table_printer.h"
#include "connectors/formats/format.h"
#include "connectors/generators/nexmark.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/registry.h"
#include "engine/base/failpoint.h"
#include "engine/session/session.h"
#include "storage/state_store.h"

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
  std::printf(
      "New topics: weir creates them with the partitions asked for (through "
      "topic %s); another client's first produce creates one with %d "
      "partitions",
      EmbeddedBroker::kCreateTopicsTopic,
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

// What `weir gen` was asked for.
struct GenOptions {
  bool nexmark = false;
  std::string table = "bid";
  std::string topic;
  int64_t count = -1;
  std::string bootstrap;
  uint64_t seed = 0;
  int partitions = 4;
  bool partitions_given = false;  // --partitions was on the command line
};

// `weir gen --nexmark`: writes the first `count` rows of a Nexmark table
// (standard columns, the same rows as a nexmark stream with this seed and
// the default options) to a Kafka topic as JSON, one record per row, no key.
// Progress goes to stderr once a second, the summary to stdout. Exit 1 with
// a message on a bad argument or when the cluster cannot be reached or does
// not take the records.
int RunGen(const GenOptions& options) {
  namespace kafka = connectors::kafka;
  namespace generators = connectors::generators;
  using Clock = std::chrono::steady_clock;
  auto fail = [](const std::string& message) {
    std::fprintf(stderr, "Error: %s\n", message.c_str());
    return 1;
  };
  if (!options.nexmark) {
    return fail("weir gen needs a generator: --nexmark (the only one so far)");
  }
  if (options.topic.empty()) return fail("weir gen needs --topic NAME");
  if (options.count < 0)
    return fail("weir gen needs --count N (rows to write, N >= 0)");
  if (options.bootstrap.empty()) {
    return fail(
        "weir gen needs --bootstrap HOST:PORT: it writes to a running Kafka "
        "cluster (start one with 'weir broker' and pass the address it "
        "prints)");
  }
  absl::StatusOr<generators::NexmarkTable> table =
      generators::ParseNexmarkTable(options.table);
  if (!table.ok()) return fail(std::string(table.status().message()));

  // Reach the cluster before generating anything: an unreachable broker is
  // an error in seconds, not after a producer queue has filled.
  const kafka::KafkaConfig admin_config{
      {"bootstrap.servers", options.bootstrap}};
  absl::StatusOr<std::unique_ptr<kafka::KafkaAdmin>> admin =
      kafka::KafkaAdmin::Create(admin_config);
  if (!admin.ok()) return fail(std::string(admin.status().message()));
  absl::StatusOr<int> existing =
      (*admin)->PartitionCount(options.topic, std::chrono::seconds(5));
  if (existing.ok()) {
    if (options.partitions_given && *existing != options.partitions) {
      std::fprintf(stderr,
                   "weir gen: topic '%s' exists with %d partitions; writing "
                   "to those\n",
                   options.topic.c_str(), *existing);
    }
  } else if (existing.status().code() == absl::StatusCode::kNotFound) {
    absl::Status created = (*admin)->CreateTopic(
        options.topic, options.partitions, 1, std::chrono::seconds(3));
    if (created.code() == absl::StatusCode::kDeadlineExceeded) {
      // A cluster that creates topics on first use still takes the rows.
      std::fprintf(stderr,
                   "weir gen: the cluster did not answer CreateTopics in "
                   "time; writing anyway (a cluster that creates topics on "
                   "first use will create it with its default partitions)\n");
    } else if (!created.ok() &&
               created.code() != absl::StatusCode::kAlreadyExists) {
      return fail("cannot create topic '" + options.topic +
                  "': " + std::string(created.message()));
    }
  } else {
    return fail(std::string(existing.status().message()));
  }
  admin->reset();

  generators::NexmarkOptions nexmark;
  nexmark.seed = options.seed;
  auto schema = std::make_shared<types::Schema>(
      generators::NexmarkStandardFields(*table));
  absl::StatusOr<std::unique_ptr<generators::NexmarkGenerator>> generator =
      generators::NexmarkGenerator::Create(*table, nexmark, schema);
  if (!generator.ok()) return fail(std::string(generator.status().message()));
  absl::StatusOr<std::unique_ptr<formats::Encoder>> encoder =
      formats::MakeEncoder("json", schema, {});
  if (!encoder.ok()) return fail(std::string(encoder.status().message()));
  absl::StatusOr<std::unique_ptr<kafka::KafkaProducer>> producer =
      kafka::KafkaProducer::Create({{"bootstrap.servers", options.bootstrap},
                                    {"linger.ms", "5"},
                                    // Keyless records: a random partition
                                    // each, not 10 ms runs on one.
                                    {"sticky.partitioning.linger.ms", "0"}});
  if (!producer.ok()) return fail(std::string(producer.status().message()));

  const auto start = Clock::now();
  auto next_progress = start + std::chrono::seconds(1);
  auto progress = [&](int64_t written) {
    const auto now = Clock::now();
    if (now < next_progress) return;
    next_progress = now + std::chrono::seconds(1);
    std::fprintf(stderr,
                 "weir gen: %" PRId64 " of %" PRId64 " rows written, %" PRId64
                 " acknowledged\n",
                 written, options.count, (*producer)->Delivered());
  };
  types::Batch batch(schema);
  std::string payload;
  int64_t written = 0;
  while (written < options.count) {
    batch.Clear();
    const size_t want = static_cast<size_t>(std::min<int64_t>(
        options.count - written, types::Batch::kDefaultCapacity));
    const size_t got = (*generator)->Next(&batch, want);
    if (got == 0) break;  // unreachable: the sequence is unbounded
    for (size_t row = 0; row < got; ++row) {
      absl::StatusOr<size_t> encoded = (*encoder)->Encode(batch, row, &payload);
      if (!encoded.ok()) return fail(std::string(encoded.status().message()));
      absl::Status produced =
          (*producer)->Produce(options.topic, -1, std::nullopt, payload);
      if (!produced.ok()) return fail(std::string(produced.message()));
    }
    written += static_cast<int64_t>(got);
    progress(written);
  }
  // Wait for the acknowledgements; give up when none arrive for 30 s.
  int64_t last_delivered = -1;
  auto last_change = Clock::now();
  for (;;) {
    absl::Status flushed = (*producer)->Flush(std::chrono::seconds(1));
    if (flushed.ok()) break;
    if (flushed.code() != absl::StatusCode::kDeadlineExceeded) {
      return fail(std::string(flushed.message()));
    }
    const int64_t delivered = (*producer)->Delivered();
    if (delivered != last_delivered) {
      last_delivered = delivered;
      last_change = Clock::now();
    } else if (Clock::now() - last_change > std::chrono::seconds(30)) {
      return fail(std::string(flushed.message()) +
                  " (no acknowledgement from " + options.bootstrap +
                  " for 30 s)");
    }
    progress(written);
  }
  const double seconds =
      std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "Wrote %" PRId64 " rows to topic %s at %s in %.1f s (%.0f rows/s)\n",
      written, options.topic.c_str(), options.bootstrap.c_str(), seconds,
      seconds > 0 ? static_cast<double>(written) / seconds : 0.0);
  return 0;
}

/// Applies the settings of the config file at `path`; on an error prints
/// "Error: PATH:LINE: ..." and returns false.
bool ApplyConfig(Session& session, const std::string& path) {
  std::string error;
  std::optional<std::string> text = ReadScript(path, &error);
  if (!text) {
    std::fprintf(stderr, "Error: %s\n", error.c_str());
    return false;
  }
  std::vector<ConfigSetting> settings;
  int line = 0;
  if (!ParseConfig(*text, &settings, &line, &error)) {
    std::fprintf(stderr, "Error: %s:%d: %s\n", path.c_str(), line,
                 error.c_str());
    return false;
  }
  for (const ConfigSetting& setting : settings) {
    absl::Status applied = session.ApplySetting(setting.key, setting.value);
    if (!applied.ok()) {
      std::fprintf(stderr, "Error: %s:%d: %s\n", path.c_str(), setting.line,
                   std::string(applied.message()).c_str());
      return false;
    }
  }
  return true;
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
  std::string config_path;
  app.add_option("--config", config_path,
                 "Apply the settings in FILE ('key = value' lines, as SET) "
                 "before running")
      ->type_name("FILE");
  int workers = 0;
  app.add_option("--workers", workers,
                 "Worker threads that run the tasks of all queries (default: "
                 "one per core)")
      ->check(CLI::Range(1, 1024));
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
                   "Partitions of each --topic (default 4; topics that "
                   "another client's first produce creates always get 4)")
      ->check(CLI::Range(1, 100000));
  GenOptions gen_options;
  CLI::App* gen_command = app.add_subcommand(
      "gen",
      "Write generated rows to a Kafka topic as JSON (one record per row, no "
      "key), then exit. Needs a running cluster: start 'weir broker' first "
      "and pass its address with --bootstrap (an embedded broker started by "
      "'weir gen' itself would vanish with it). Progress goes to stderr once "
      "a second; the last line on stdout says how many rows were written.");
  gen_command->add_flag("--nexmark", gen_options.nexmark,
                        "Generate Nexmark rows (the standard columns; the "
                        "same rows as a nexmark stream with this seed)");
  gen_command
      ->add_option("--table", gen_options.table,
                   "Nexmark table: person, auction or bid (default bid)")
      ->type_name("TABLE");
  gen_command->add_option("--topic", gen_options.topic, "Topic to write to")
      ->type_name("NAME");
  gen_command->add_option("--count", gen_options.count, "Rows to write")
      ->type_name("N");
  gen_command
      ->add_option("--bootstrap", gen_options.bootstrap,
                   "Kafka bootstrap servers (required), e.g. the address "
                   "'weir broker' prints")
      ->type_name("HOST:PORT");
  gen_command->add_option("--seed", gen_options.seed,
                          "Generator seed (default 0)");
  CLI::Option* gen_partitions_option =
      gen_command
          ->add_option("--partitions", gen_options.partitions,
                       "Partitions when the topic must be created (default "
                       "4)")
          ->check(CLI::Range(1, 100000));
  app.footer(
      "-e and -f run in the order given, through one session; the first "
      "error stops the run with exit status 1.\n"
      "State: the shell and -f keep the state of persistent queries over "
      "inputs that outlive the process in $XDG_DATA_HOME/weir/state (or "
      "~/.local/share/weir/state), so that running them again resumes; -e "
      "keeps none. SET 'state.dir' to choose where.\n"
      "Examples:\n"
      "  weir -e \"SHOW STREAMS;\"\n"
      "  weir -f setup.sql -e \"EXPLAIN SELECT * FROM bids EMIT CHANGES;\"\n"
      "  weir broker --topic bids --partitions 8\n"
      "  weir gen --nexmark --table bid --topic bids --count 1000000 "
      "--bootstrap 127.0.0.1:PORT");
  // CLI11 reports parse errors by throwing; this is the one place they are
  // caught. Usage errors exit with 2, as is customary.
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  // Failpoints (engine/base/failpoint.h) a crash test armed for this run.
  if (absl::Status armed = ArmFailpointsFromEnvironment(); !armed.ok()) {
    std::fprintf(stderr, "Error: %s\n", std::string(armed.message()).c_str());
    return 2;
  }
  if (*broker_command) {
    if (execute_option->count() > 0 || file_option->count() > 0) {
      std::fprintf(stderr, "Error: 'weir broker' takes no -e or -f\n");
      return 2;
    }
    return RunBroker(broker_options);
  }
  if (*gen_command) {
    if (execute_option->count() > 0 || file_option->count() > 0) {
      std::fprintf(stderr, "Error: 'weir gen' takes no -e or -f\n");
      return 2;
    }
    gen_options.partitions_given = gen_partitions_option->count() > 0;
    return RunGen(gen_options);
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

  // Before any thread starts: SIGTERM stops weir cleanly (see shell.h).
  InstallTerminateHandler();
  // The shell and scripts (-f, a pipe) keep the state of persistent
  // queries over inputs that outlive the process, so that running them
  // again resumes; `weir -e` is a one-off and keeps none
  // (docs/state-and-recovery.md).
  const bool one_off = execute_option->count() > 0;
  absl::StatusOr<std::unique_ptr<Session>> session = Session::Create(
      {.worker_threads = workers,
       .connectors = connectors::BuiltinConnectors(),
       .default_state_dir =
           one_off ? std::string() : storage::DefaultStateDir().string()});
  if (!session.ok()) {
    std::fprintf(stderr, "Error: %s\n",
                 std::string(session.status().message()).c_str());
    return 1;
  }

  if (!config_path.empty() && !ApplyConfig(**session, config_path)) return 1;

  PrintOptions print;
  print.echo = echo;
  AttachPushPrinter(**session, print, stdout);
  print.max_width = TerminalWidth(fileno(stdout));

  // After the scripts: wait for the queries they started (SIGTERM stops
  // them); after a failed script: stop them, saying what they could not
  // deliver, and exit 1.
  auto run_scripts = [&](const std::vector<Script>& to_run) {
    for (const Script& script : to_run) {
      if (RunScript(**session, script.text, script.label, print)) continue;
      if (Terminated()) break;
      StopQueries(**session);
      return 1;
    }
    return WaitForQueries(**session) ? 0 : 1;
  };
  if (execute_option->count() > 0 || file_option->count() > 0) {
    return run_scripts(scripts);
  }

  if (!isatty(STDIN_FILENO)) {
    std::string error;
    std::optional<std::string> text = ReadScript("-", &error);
    if (!text) {
      std::fprintf(stderr, "Error: %s\n", error.c_str());
      return 1;
    }
    return run_scripts({Script{"", *text}});
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

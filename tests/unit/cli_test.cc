#define BOOST_TEST_MODULE cli_test
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/config_file.h"
#include "cli/progress_line.h"
#include "cli/statement_scanner.h"
#include "cli/table_printer.h"
#include "connectors/kafka/kafka_client.h"
#include "tests/e2e/topic_ids.h"

namespace weir::cli {
namespace {

// ---------------------------------------------------------------------------
// The weir binary, run as a user would.

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string ShellQuote(const std::string& arg) {
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs weir with `args`; `piped_stdin`, when given, is fed through a pipe,
// otherwise stdin is /dev/null.
RunResult RunWeir(const std::vector<std::string>& args,
                  const std::string* piped_stdin = nullptr) {
  char dir_template[] = "/tmp/weir_cli_test_XXXXXX";
  const char* dir = mkdtemp(dir_template);
  BOOST_REQUIRE(dir != nullptr);
  const std::string d(dir);
  std::string command;
  if (piped_stdin != nullptr) {
    std::ofstream(d + "/in", std::ios::binary) << *piped_stdin;
    command = "cat " + ShellQuote(d + "/in") + " | ";
  }
  command += ShellQuote(WEIR_BINARY);
  for (const std::string& arg : args) command += " " + ShellQuote(arg);
  if (piped_stdin == nullptr) command += " < /dev/null";
  command += " > " + ShellQuote(d + "/out") + " 2> " + ShellQuote(d + "/err");
  const int status = std::system(command.c_str());
  RunResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = Slurp(d + "/out");
  result.err = Slurp(d + "/err");
  std::system(("rm -rf " + ShellQuote(d)).c_str());
  BOOST_TEST_MESSAGE("weir exit " << result.exit_code << "\nstdout:\n"
                                  << result.out << "\nstderr:\n"
                                  << result.err);
  return result;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

BOOST_AUTO_TEST_SUITE(binary)

BOOST_AUTO_TEST_CASE(help_lists_the_options) {
  RunResult r = RunWeir({"--help"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(Contains(r.out, "Usage: weir"));
  BOOST_TEST(Contains(r.out, "-e,--execute"));
  BOOST_TEST(Contains(r.out, "-f,--file"));
  BOOST_TEST(Contains(r.out, "--version"));
  BOOST_TEST(Contains(r.out, "interactive shell"));
  BOOST_TEST(Contains(r.out, "--workers"));
}

BOOST_AUTO_TEST_CASE(config_file_settings_apply_before_the_script) {
  char dir_template[] = "/tmp/weir_cli_test_XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  const std::string good = dir + "/good.conf";
  std::ofstream(good)
      << "# defaults for every script\n"
         "parallelism = 3\n"
         "\n"
         "'properties.client.id' = \"weir # one\"   # a comment\n";
  RunResult r = RunWeir({"--config", good, "-e", "SHOW PROPERTIES;"});
  BOOST_TEST(r.exit_code == 0);
  std::string parallelism_row, client_id_row;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (Contains(line, "| parallelism ")) parallelism_row = line;
    if (Contains(line, "| properties.client.id ")) client_id_row = line;
  }
  BOOST_TEST(Contains(parallelism_row, "| 3 "));
  BOOST_TEST(Contains(client_id_row, "| weir # one "));
  const std::string bad = dir + "/bad.conf";
  std::ofstream(bad) << "parallelism = 2\nparalelism = 4\n";
  r = RunWeir({"--config", bad, "-e", "SELECT 1;"});
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(Contains(
      r.err,
      "Error: " + bad +
          ":2: unknown setting 'paralelism'; did you mean 'parallelism'?"));
  BOOST_TEST(!Contains(r.out, "1"));  // nothing ran
  r = RunWeir({"--config", dir + "/missing.conf", "-e", "SELECT 1;"});
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(Contains(r.err, "cannot read file"));
  std::system(("rm -rf " + ShellQuote(dir)).c_str());
}

BOOST_AUTO_TEST_CASE(workers_must_be_a_positive_count) {
  RunResult bad = RunWeir({"--workers", "0", "-e", "SELECT 1;"});
  BOOST_TEST(bad.exit_code != 0);
  BOOST_TEST(Contains(bad.err, "--workers"));
  // One worker runs a query with more tasks than workers.
  RunResult ok = RunWeir(
      {"--workers", "1", "-e",
       "SET 'parallelism' = '4'; CREATE STREAM g WITH (connector = 'nexmark', "
       "table = 'bid', "
       "max-events = 1000); SELECT auction FROM g EMIT CHANGES LIMIT 920;"});
  BOOST_TEST(ok.exit_code == 0);
  BOOST_TEST(Contains(ok.out, "(920 rows)"));
}

BOOST_AUTO_TEST_CASE(version) {
  RunResult r = RunWeir({"--version"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out.rfind("weir ", 0) == 0);
}

BOOST_AUTO_TEST_CASE(unknown_argument_is_a_usage_error) {
  RunResult r = RunWeir({"--no-such-flag"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(Contains(r.err, "--no-such-flag"));
}

BOOST_AUTO_TEST_CASE(empty_statement_list) {
  RunResult r = RunWeir({"-e", ""});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.err == "");
  r = RunWeir({"-e", "  -- nothing but a comment\n"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.err == "");
}

BOOST_AUTO_TEST_CASE(missing_file) {
  RunResult r = RunWeir({"-f", "/nonexistent/weir_missing.sql"});
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(r.err ==
             "Error: cannot read file '/nonexistent/weir_missing.sql': No "
             "such file or directory\n");
  // Files are read before anything runs.
  r = RunWeir({"-e", "SHOW STREAMS;", "-f", "/nonexistent/weir_missing.sql"});
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(r.out == "");
}

BOOST_AUTO_TEST_CASE(syntax_error_exits_1_with_position) {
  RunResult r = RunWeir({"-e", "SELEC 1;"});
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(r.err.rfind("Error: ", 0) == 0);
  BOOST_TEST(Contains(r.err, "line 1:1"));
  BOOST_TEST(Contains(r.err, "SELEC 1;"));
}

BOOST_AUTO_TEST_CASE(error_stops_the_run) {
  RunResult r = RunWeir({"-e", "SELEC 1;", "-e", "SHOW STREAMS;"});
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(r.out == "");
}

BOOST_AUTO_TEST_CASE(show_streams) {
  RunResult r = RunWeir({"-e", "SHOW STREAMS;"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.err == "");
}

BOOST_AUTO_TEST_CASE(stdin_pipe_runs_as_a_script) {
  const std::string good = "SHOW STREAMS;\n";
  RunResult r = RunWeir({}, &good);
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.err == "");
  BOOST_TEST(!Contains(r.out, "weir> "));  // no prompts when not a terminal
  const std::string bad = "SHOW STREAMS;\nSELEC 1;\n";
  r = RunWeir({}, &bad);
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(Contains(r.err, "line 2:1"));
  r = RunWeir({"-f", "-"}, &good);
  BOOST_TEST(r.exit_code == 0);
}

BOOST_AUTO_TEST_CASE(demo_script_runs) {
  RunResult r = RunWeir(
      {"--echo", "-f", std::string(WEIR_SOURCE_DIR) + "/scripts/demo.sql"});
  BOOST_TEST(r.exit_code == 0);
  // The demo's persistent query may still be writing when the script ends;
  // then, and only then, weir says it waits for it.
  // Its exactly-once sink's marker topic is created on the embedded broker.
  std::string err = r.err;
  const std::string marker =
      "weir: embedded broker: created topic 'weir-sink-big_bids.checkpoints' "
      "with 1 partitions on request\n";
  if (err.rfind(marker, 0) == 0) err = err.substr(marker.size());
  BOOST_TEST((err == "" || err == "weir: q1 is running; Ctrl-C stops it\n"),
             r.err);
  BOOST_TEST(Contains(r.out, "Started query q1, writing to stream 'big_bids'"));
  // The windowed view's pull query, over the 4 bids the script inserts (all
  // in the window starting at 00:00:00): auction 1 has 2 bids (300, 1500),
  // auctions 2 and 3 one each (2500, 800).
  BOOST_TEST(Contains(r.out, "Created materialized view 'auction_stats'"));
  const std::string window = " | 2026-01-01 00:00:00.000 |\n";
  BOOST_TEST(Contains(r.out, "| 1       | 2    | 1500     " + window), r.out);
  BOOST_TEST(Contains(r.out, "| 2       | 1    | 2500     " + window));
  BOOST_TEST(Contains(r.out, "| 3       | 1    | 800      " + window));
  BOOST_TEST(Contains(r.out, "Dropped materialized view 'auction_stats'."));
}

BOOST_AUTO_TEST_CASE(a_script_waits_for_the_queries_it_started) {
  // 2,000 nexmark events hold 1,840 bids; the INSERT query ends with them,
  // and the push query after it reads them all back from the topic.
  RunResult r = RunWeir(
      {"-e",
       "CREATE STREAM g WITH (connector = 'nexmark', table = 'bid', max-events "
       "= 2000); "
       "CREATE STREAM copy (auction BIGINT, price BIGINT) WITH (connector = "
       "'kafka', "
       "topic = 'copy'); INSERT INTO copy SELECT auction, price FROM g; "
       "SELECT auction FROM copy EMIT CHANGES LIMIT 1840;"});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(Contains(
      r.out, "Started query q1, writing to stream 'copy' (topic 'copy')."));
  BOOST_TEST(Contains(r.out, "(1840 rows)"));
}

BOOST_AUTO_TEST_CASE(ctrl_c_stops_the_queries_a_script_left_running) {
  char dir_template[] = "/tmp/weir_cli_test_XXXXXX";
  const char* dir = mkdtemp(dir_template);
  BOOST_REQUIRE(dir != nullptr);
  const std::string err_path = std::string(dir) + "/err";
  const std::string script =
      "CREATE STREAM g (id BIGINT) WITH (connector = 'datagen', "
      "rows-per-second = 100); "
      "CREATE STREAM copy (id BIGINT) WITH (connector = 'kafka', topic = "
      "'copy'); "
      "INSERT INTO copy SELECT id FROM g;";
  pid_t pid = fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    int out = open("/dev/null", O_WRONLY);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    execl(WEIR_BINARY, WEIR_BINARY, "-e", script.c_str(),
          static_cast<char*>(nullptr));
    _exit(127);
  }
  // The datagen source never ends: weir waits for the query until Ctrl-C.
  bool waiting = false;
  for (int i = 0; i < 600 && !waiting; ++i) {
    waiting = Contains(Slurp(err_path), "weir: q1 is running; Ctrl-C stops it");
    if (!waiting) usleep(100 * 1000);
  }
  BOOST_TEST(waiting);
  kill(pid, SIGINT);
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 600 && done == 0; ++i) {
    done = waitpid(pid, &status, WNOHANG);
    if (done == 0) usleep(100 * 1000);
  }
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  BOOST_TEST(done == pid);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
  BOOST_TEST(Contains(Slurp(err_path), "weir: stopped by Ctrl-C"));
  std::system(("rm -rf " + ShellQuote(dir)).c_str());
}

// --- SIGTERM --------------------------------------------------------------

namespace kafka = weir::connectors::kafka;

/// A child process with stdout and stderr in files of a private directory.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    char dir_template[] = "/tmp/weir_cli_test_XXXXXX";
    const char* dir = mkdtemp(dir_template);
    BOOST_REQUIRE(dir != nullptr);
    dir_ = dir;
    pid_ = fork();
    BOOST_REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      int in = open("/dev/null", O_RDONLY);
      int out =
          open((dir_ + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err =
          open((dir_ + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(in, 0);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<char*> argv;
      for (const std::string& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::system(("rm -rf " + ShellQuote(dir_)).c_str());
  }
  pid_t pid() const { return pid_; }
  std::string out() const { return Slurp(dir_ + "/out"); }
  std::string err() const { return Slurp(dir_ + "/err"); }
  /// Sends `signal` and waits up to 60 s for the exit; returns the wait
  /// status (-1 when it had to be killed).
  int Stop(int signal) {
    kill(pid_, signal);
    int status = 0;
    for (int i = 0; i < 600; ++i) {
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return status;
      }
      usleep(100 * 1000);
    }
    return -1;
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

/// Polls `pred` for up to 120 s; returns its last value.
template <typename Pred>
bool Eventually(Pred pred) {
  for (int i = 0; i < 1200; ++i) {
    if (pred()) return true;
    usleep(100 * 1000);
  }
  return pred();
}

/// `weir broker` with topics src and dst of 16 partitions; its address.
std::string BrokerAddress(const Child& broker) {
  const std::string prefix = "Embedded Kafka broker listening on ";
  std::string address;
  BOOST_REQUIRE(Eventually([&] {
    std::string out = broker.out();
    size_t at = out.find(prefix);
    size_t end = out.find('\n', at);
    if (at == std::string::npos || end == std::string::npos) return false;
    address = out.substr(at + prefix.size(), end - at - prefix.size());
    return true;
  }));
  return address;
}

/// Output records per partition (high watermarks) of `topic`, summed.
int64_t Records(kafka::KafkaAdmin& admin, const std::string& topic,
                int partitions) {
  int64_t total = 0;
  for (int p = 0; p < partitions; ++p) {
    auto marks = admin.WatermarkOffsets(topic, p);
    BOOST_REQUIRE_MESSAGE(marks.ok(), marks.status().message());
    total += marks->high;
  }
  return total;
}

/// How often each id occurs in `topic`, until `distinct` were seen.
std::map<int64_t, int> ReadIds(const std::string& bootstrap,
                               const std::string& topic, int partitions,
                               size_t distinct) {
  return weir::testing::ReadIds(bootstrap, topic, partitions, distinct,
                                std::chrono::milliseconds(0));
}

BOOST_AUTO_TEST_CASE(sigterm_delivers_and_commits_what_was_read) {
  // 600,000 ids in 16 partitions (id i in partition i % 16, at offset
  // i / 16) on a `weir broker` of its own; a persistent copy with
  // group-offsets is stopped by SIGTERM mid-way, then run again: every id
  // must reach the output (at least once), and offsets committed at the
  // stop must cover only ids that reached it.
  constexpr int kPartitions = 16;
  constexpr int64_t kIds = 600000;
  Child broker({WEIR_BINARY, "broker", "--topic", "src", "--topic", "dst",
                "--partitions", std::to_string(kPartitions)});
  const std::string address = BrokerAddress(broker);
  {
    auto producer = kafka::KafkaProducer::Create(
        {{"bootstrap.servers", address}, {"linger.ms", "20"}});
    BOOST_REQUIRE(producer.ok());
    for (int64_t i = 0; i < kIds; ++i) {
      BOOST_REQUIRE((*producer)
                        ->Produce("src", static_cast<int32_t>(i % kPartitions),
                                  std::nullopt,
                                  "{\"id\":" + std::to_string(i) + "}")
                        .ok());
    }
    BOOST_REQUIRE((*producer)->Flush(std::chrono::seconds(60)).ok());
  }
  // The group gets each completed checkpoint's offsets: a short interval
  // makes the first commit come mid-way.
  const std::string script =
      "SET 'parallelism' = '2'; SET 'checkpoint.interval' = '500ms'; "
      "CREATE STREAM src (id BIGINT) WITH (connector = 'kafka', topic = "
      "'src', bootstrap.servers = '" +
      address +
      "', scan.startup.mode = "
      "'group-offsets', group.id = 'copy'); "
      "CREATE STREAM dst (id BIGINT) WITH (connector = 'kafka', topic = "
      "'dst', bootstrap.servers = '" +
      address +
      "'); "
      "INSERT INTO dst SELECT id FROM src;";
  auto admin = kafka::KafkaAdmin::Create({{"bootstrap.servers", address}});
  BOOST_REQUIRE(admin.ok());
  auto group = kafka::KafkaConsumer::Create(
      {{"bootstrap.servers", address}, {"group.id", "copy"}});
  BOOST_REQUIRE(group.ok());
  auto committed = [&] {
    std::map<int32_t, int64_t> offsets;
    for (int32_t p = 0; p < kPartitions; ++p) {
      auto c = (*group)->Committed("src", p);
      BOOST_REQUIRE_MESSAGE(c.ok(), c.status().message());
      if (c->has_value()) offsets[p] = **c;
    }
    return offsets;
  };

  int64_t at_signal = 0;
  {
    Child weir({WEIR_BINARY, "-e", script});
    // Mid-way: rows were written and a commit was made (the query ran for
    // its first commit interval), so there is committed and in-flight work.
    BOOST_REQUIRE(Eventually([&] {
      return Records(**admin, "dst", kPartitions) > 0 && !committed().empty();
    }));
    at_signal = Records(**admin, "dst", kPartitions);
    const int status = weir.Stop(SIGTERM);
    BOOST_TEST_MESSAGE("first run stderr:\n" << weir.err());
    BOOST_REQUIRE(status != -1);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
    BOOST_TEST(Contains(weir.err(), "weir: stopped by SIGTERM"));
  }
  const int64_t after_first = Records(**admin, "dst", kPartitions);
  BOOST_TEST_MESSAGE("output records at the signal: "
                     << at_signal << ", after the stop: " << after_first);
  BOOST_TEST(at_signal > 0);
  BOOST_TEST(at_signal < kIds);
  BOOST_TEST(after_first < kIds);  // it stopped before the end
  // Committed offsets cover only ids that reached the output.
  {
    std::map<int64_t, int> seen =
        ReadIds(address, "dst", kPartitions, static_cast<size_t>(after_first));
    std::map<int32_t, int64_t> offsets = committed();
    BOOST_TEST(!offsets.empty());
    for (const auto& [p, offset] : offsets) {
      for (int64_t k = 0; k < offset; ++k) {
        if (seen.count(p + k * kPartitions) == 0) {
          BOOST_TEST(false, "partition " << p << " committed " << offset
                                         << " but id " << p + k * kPartitions
                                         << " is not in the output");
          break;
        }
      }
    }
  }
  {
    Child weir({WEIR_BINARY, "-e", script});
    std::map<int64_t, int> seen =
        ReadIds(address, "dst", kPartitions, static_cast<size_t>(kIds));
    const int status = weir.Stop(SIGTERM);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
    // Every id, counted independently of weir; duplicates are allowed.
    BOOST_TEST(seen.size() == static_cast<size_t>(kIds));
    BOOST_TEST(seen.begin()->first == 0);
    BOOST_TEST(seen.rbegin()->first == kIds - 1);
  }
  BOOST_TEST(WIFEXITED(broker.Stop(SIGTERM)));
}

BOOST_AUTO_TEST_CASE(sigterm_stops_a_push_query_and_the_script) {
  // The datagen source never ends; SIGTERM stops the push query, and the
  // statement after it does not run.
  Child weir({WEIR_BINARY, "-e",
              "CREATE STREAM g (id BIGINT) WITH (connector = 'datagen', "
              "rows-per-second = 100); SELECT id FROM g EMIT CHANGES; "
              "SELECT 'after' AS never;"});
  BOOST_REQUIRE(Eventually([&] {
    std::string out = weir.out();
    return std::count(out.begin(), out.end(), '\n') >= 4;  // some rows
  }));
  const int status = weir.Stop(SIGTERM);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
  BOOST_TEST(Contains(weir.out(), "stopped by SIGTERM)"));
  BOOST_TEST(!Contains(weir.out(), "never"));
  BOOST_TEST(weir.err() == "weir: stopped by SIGTERM\n");
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// The statement-completeness scanner the shell uses.

BOOST_AUTO_TEST_SUITE(config_file)

BOOST_AUTO_TEST_CASE(keys_values_quotes_and_comments) {
  std::vector<ConfigSetting> got;
  int line = 0;
  std::string error;
  BOOST_REQUIRE(ParseConfig(
      "# c\n  a.b = x:1 \n\n'k' = ' spaced '\nq = \"has # hash\" # c\nlast=1",
      &got, &line, &error));
  BOOST_REQUIRE_EQUAL(got.size(), 4u);
  BOOST_TEST(got[0].key == "a.b");
  BOOST_TEST(got[0].value == "x:1");
  BOOST_TEST(got[0].line == 2);
  BOOST_TEST(got[1].key == "k");
  BOOST_TEST(got[1].value == " spaced ");
  BOOST_TEST(got[2].value == "has # hash");
  BOOST_TEST(got[3].key == "last");
  BOOST_TEST(got[3].line == 6);
}

BOOST_AUTO_TEST_CASE(malformed_lines_say_which) {
  std::vector<ConfigSetting> got;
  int line = 0;
  std::string error;
  BOOST_TEST(!ParseConfig("a = 1\njust words\n", &got, &line, &error));
  BOOST_TEST(line == 2);
  BOOST_TEST(error == "expected 'key = value', got 'just words'");
  BOOST_TEST(!ParseConfig("a = 'open\n", &got, &line, &error));
  BOOST_TEST(line == 1);
  BOOST_TEST(error == "unmatched quote");
  BOOST_TEST(!ParseConfig("\n = 1", &got, &line, &error));
  BOOST_TEST(line == 2);
  BOOST_TEST(error == "the key before '=' is empty");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(scanner)

BOOST_AUTO_TEST_CASE(complete_statements) {
  BOOST_TEST(ScanSql("SELECT 1;").complete);
  BOOST_TEST(ScanSql("SELECT 1;  \n").complete);
  BOOST_TEST(ScanSql("SELECT 1; -- trailing comment").complete);
  BOOST_TEST(ScanSql("SELECT 1; /* c */").complete);
  BOOST_TEST(ScanSql("SELECT\n  1\n;").complete);
  BOOST_TEST(ScanSql("SHOW STREAMS; SHOW TABLES;").complete);
}

BOOST_AUTO_TEST_CASE(incomplete_statements) {
  BOOST_TEST(!ScanSql("SELECT 1").complete);
  BOOST_TEST(!ScanSql("SELECT 1; SELECT 2").complete);
  BOOST_TEST(!ScanSql("SELECT 1 -- ;").complete);
  BOOST_TEST(!ScanSql("").complete);
  BOOST_TEST(ScanSql(";").complete);  // an empty statement
}

BOOST_AUTO_TEST_CASE(strings_hide_semicolons) {
  ScanResult r = ScanSql("SELECT 'a;");
  BOOST_TEST(!r.complete);
  BOOST_TEST((r.open == OpenConstruct::kSingleQuote));
  BOOST_TEST(ScanSql("SELECT 'a;';").complete);
  // '' is an escaped quote.
  BOOST_TEST(!ScanSql("SELECT 'it''s;").complete);
  BOOST_TEST(ScanSql("SELECT 'it''s';").complete);
  // \' is an escaped quote too.
  BOOST_TEST(!ScanSql("SELECT 'a\\';").complete);
  BOOST_TEST(ScanSql("SELECT 'a\\'';").complete);
  BOOST_TEST(ScanSql("SELECT 'a\\\\';").complete);
  // Comment markers inside strings are text.
  BOOST_TEST(ScanSql("SELECT '--';").complete);
  BOOST_TEST(ScanSql("SELECT '/*';").complete);
}

BOOST_AUTO_TEST_CASE(quoted_identifiers_hide_semicolons) {
  ScanResult r = ScanSql("SELECT \"a;b");
  BOOST_TEST((r.open == OpenConstruct::kDoubleQuote));
  BOOST_TEST(ScanSql("SELECT \"a;\"\"b\";").complete);
  r = ScanSql("SELECT `a;");
  BOOST_TEST((r.open == OpenConstruct::kBacktick));
  BOOST_TEST(ScanSql("SELECT `a;``b`;").complete);
  // A backslash does not escape inside identifiers.
  BOOST_TEST(ScanSql("SELECT \"a\\\";").complete);
}

BOOST_AUTO_TEST_CASE(comments_hide_semicolons) {
  ScanResult r = ScanSql("SELECT 1 /* ;");
  BOOST_TEST(!r.complete);
  BOOST_TEST((r.open == OpenConstruct::kBlockComment));
  BOOST_TEST(ScanSql("SELECT 1 /* ; */ ;").complete);
  BOOST_TEST(!ScanSql("SELECT 1 -- ;\n").complete);
  BOOST_TEST(ScanSql("SELECT 1 -- ;\n;").complete);
  // Only comments: no content.
  r = ScanSql("-- hello\n/* there */\n");
  BOOST_TEST(!r.has_content);
  BOOST_TEST((r.open == OpenConstruct::kNone));
  BOOST_TEST(!ScanSql("/* unterminated").has_content);
  BOOST_TEST(ScanSql("- 1;").complete);  // a lone '-' is not a comment
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// Tables.

BOOST_AUTO_TEST_SUITE(table_printer)

BOOST_AUTO_TEST_CASE(display_width) {
  BOOST_TEST(DisplayWidth("") == 0u);
  BOOST_TEST(DisplayWidth("bids") == 4u);
  BOOST_TEST(DisplayWidth("caf\xC3\xA9") == 4u);  // café
  BOOST_TEST(DisplayWidth("e\xCC\x81") == 1u);    // e + combining acute
  BOOST_TEST(DisplayWidth("\xE6\x97\xA5\xE6\x9C\xAC") == 4u);  // 日本
  BOOST_TEST(DisplayWidth("\xF0\x9F\x98\x80") == 2u);          // 😀
  BOOST_TEST(DisplayWidth("\xFF") == 1u);                      // invalid byte
}

BOOST_AUTO_TEST_CASE(truncate) {
  BOOST_TEST(Truncate("abcdef", 6) == "abcdef");
  BOOST_TEST(Truncate("abcdef", 4) == "abc\xE2\x80\xA6");
  BOOST_TEST(Truncate("abcdef", 1) == "\xE2\x80\xA6");
  BOOST_TEST(Truncate("abcdef", 0) == "");
  // A wide character that does not fit is left out whole.
  BOOST_TEST(Truncate("a\xE6\x97\xA5\xE6\x9C\xAC", 3) == "a\xE2\x80\xA6");
}

BOOST_AUTO_TEST_CASE(box) {
  BOOST_TEST(FormatTable({"name", "connector"},
                         {{"bids", "kafka"}, {"orders", "mysql-cdc"}}) ==
             "+--------+-----------+\n"
             "| name   | connector |\n"
             "+--------+-----------+\n"
             "| bids   | kafka     |\n"
             "| orders | mysql-cdc |\n"
             "+--------+-----------+\n");
}

BOOST_AUTO_TEST_CASE(empty_table_and_odd_cells) {
  BOOST_TEST(FormatTable({"name"}, {}) ==
             "+------+\n"
             "| name |\n"
             "+------+\n");
  BOOST_TEST(FormatTable({"a", "b"}, {{"x\ny"}, {"\xE6\x97\xA5", "1\t2"}}) ==
             "+------+------+\n"
             "| a    | b    |\n"
             "+------+------+\n"
             "| x\\ny |      |\n"
             "| \xE6\x97\xA5   | 1\\t2 |\n"
             "+------+------+\n");
}

BOOST_AUTO_TEST_CASE(fits_the_width) {
  const std::string long_text(40, 'x');
  const std::string table =
      FormatTable({"id", "payload"}, {{"1", long_text}}, 30);
  std::istringstream lines(table);
  std::string line;
  while (std::getline(lines, line)) BOOST_TEST(DisplayWidth(line) == 30u);
  BOOST_TEST(table ==
             "+----+-----------------------+\n"
             "| id | payload               |\n"
             "+----+-----------------------+\n"
             "| 1  | xxxxxxxxxxxxxxxxxxxx\xE2\x80\xA6 |\n"
             "+----+-----------------------+\n");
  // No limit: nothing is cut.
  BOOST_TEST(Contains(FormatTable({"p"}, {{long_text}}, 0), long_text));
}

BOOST_AUTO_TEST_CASE(terminal_width_of_a_file_is_unlimited) {
  std::FILE* file = std::tmpfile();
  BOOST_REQUIRE(file != nullptr);
  BOOST_TEST(TerminalWidth(fileno(file)) == 0u);
  std::fclose(file);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------
// The progress line a push query shows until its first row (a mysql-cdc
// snapshot's, through PushHandler::on_progress; the source side is in
// tests/e2e/mysql_cdc_resume_test.cc).

BOOST_AUTO_TEST_SUITE(progress_line)

/// What `steps` (text, milliseconds since the start) write.
std::string Written(bool terminal,
                    const std::vector<std::pair<std::string, int>>& steps) {
  std::FILE* f = std::tmpfile();
  BOOST_REQUIRE(f != nullptr);
  ProgressLine line(f, terminal);
  const ProgressLine::Clock::time_point start{};
  for (const auto& step : steps) {
    line.Update(step.first, start + std::chrono::milliseconds(step.second));
  }
  std::rewind(f);
  std::string out;
  for (int c = std::fgetc(f); c != EOF; c = std::fgetc(f)) {
    out += static_cast<char>(c);
  }
  std::fclose(f);
  return out;
}

BOOST_AUTO_TEST_CASE(a_terminal_line_is_overwritten_at_most_every_second) {
  const std::string out = Written(
      true, {{"", 0},
             {"snapshot 0 of ~50 rows, 0 rows/s", 10},
             {"snapshot 5 of ~50 rows, 5 rows/s", 500},    // too soon
             {"snapshot 20 of ~50 rows, 19 rows/s", 1010},
             {"", 1100},                                   // the first row
             {"", 1200},
             {"snapshot starting", 1300}});                // another query
  BOOST_TEST(out ==
             "\rsnapshot 0 of ~50 rows, 0 rows/s\x1b[K"
             "\rsnapshot 20 of ~50 rows, 19 rows/s\x1b[K"
             "\r\x1b[K"
             "\rsnapshot starting\x1b[K");
}

BOOST_AUTO_TEST_CASE(elsewhere_each_update_is_a_line_and_clearing_writes_nothing) {
  const std::string out =
      Written(false, {{"snapshot 0 of ~50 rows, 0 rows/s", 0},
                      {"snapshot 5 of ~50 rows, 5 rows/s", 999},
                      {"snapshot 20 of ~50 rows, 19 rows/s", 1000},
                      {"", 1100}});
  BOOST_TEST(out ==
             "snapshot 0 of ~50 rows, 0 rows/s\n"
             "snapshot 20 of ~50 rows, 19 rows/s\n");
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace weir::cli

// Runs the SQL examples of the user documentation, so the docs cannot drift
// from the engine. For each file below (paths relative to WEIR_SOURCE_DIR):
//
// - Every fenced block whose info string is exactly `sql` is a script that
//   must run without error; every block tagged `sql-error` must fail.
//   Blocks with any other tag, or none (plain ```), are not run: they are
//   output samples and syntax summaries.
// - All the blocks of ONE file run in ONE fresh session, in the order they
//   appear. A file therefore starts with a setup block that declares the
//   streams and tables its later examples read, and an example that creates
//   an object either picks a fresh name or drops it again. A failing
//   `sql-error` block changes nothing after the failing statement (the
//   statements before it in the same block did run).
// - Expected output: when a plain ``` block follows a `sql` or `sql-error`
//   block with only blank lines between them, and its first line starts
//   with "-> " (an EXPLAIN plan) or "Error: " (a rendered error), it is
//   compared exactly (modulo trailing blanks) with what the example
//   produced: the text of the block's last statement for a plan, and
//   "Error: " + the rendered error (line:column, source line, caret) for an
//   error. Other plain blocks are illustrations and are not compared.
//
// Failures name the doc file and the line of the block's opening fence.
//
// docs/tutorial.md is run differently, as one story against the test
// MariaDB (case tutorial_examples, registered with CTest as
// docs_tutorial_mysql_test under the mariadb fixture, which sets
// WEIR_TEST_MYSQL_PORT and WEIR_TEST_MYSQL_DIR; without them it is
// skipped). Every block runs, in the order of the file:
//
// - The tutorial's placeholders are replaced in every block, the shown
//   outputs included: `3307` by the fixture's port, `/tmp/weir-mariadb` by
//   the fixture's server directory, `/tmp/weir-tutorial` by a fresh
//   temporary state directory.
// - ```sql blocks run in one session that connects to MySQL (mysql-cdc
//   reads, the mysql sink writes), their results written as the shell
//   writes them (cli/shell.cc PrintResult; push-query rows as `a | b`
//   lines). ```mysql blocks run through the mariadb client as root over the
//   server's socket, as the tutorial says (`mariadb --socket=... -u root
//   -t`). ```sh blocks run with `bash -e` in the source directory. (The
//   plain block that starts `build/cli/weir` is not run: the session
//   stands for the shell.)
// - A line `<!-- doc-test: restart weir -->` ends the session (its queries
//   stop, as when weir exits) and starts a new one.
// - A plain ``` block right after a runnable block is its output and is
//   compared exactly (modulo trailing blanks). A block made only of
//   SELECTs (a pull query, a query of MariaDB) is run again until it shows
//   that output, for up to 60 s: a view and the sink's table follow their
//   input a checkpoint later.
// - The shown rows of the sink's table (a ```mysql block reading
//   `analytics.revenue`) must also be MariaDB's own GROUP BY over the
//   source table at that moment (kGroupBy below), so they are computed
//   independently of Weir.
//
// Before the story the test drops what a failed earlier run may have left
// (databases shop and analytics, user tutorial); after it, it starts the
// fixture's server again (the tutorial ends by stopping it and removing
// its directory), so the tests after it find the server up.

#define BOOST_TEST_MODULE docs_examples_test
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "cli/table_printer.h"
#include "connectors/registry.h"
#include "engine/session/session.h"

namespace {

struct Block {
  int line = 0;      // 1-based line of the opening fence
  std::string info;  // the word after ```
  std::string body;
  int end_line = 0;  // line of the closing fence
};

std::string TrimRight(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\n' ||
                        s.back() == '\t' || s.back() == '\r')) {
    s.pop_back();
  }
  return s;
}

// Trailing blanks removed from every line, and trailing blank lines.
std::string Normalize(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) out += TrimRight(line) + "\n";
  return TrimRight(out);
}

std::vector<std::string> ReadLines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

// Fences start at column 0 with ``` (longer fences are not used in the docs).
std::vector<Block> ExtractBlocks(const std::vector<std::string>& lines,
                                 std::string* error) {
  std::vector<Block> blocks;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("```", 0) != 0) continue;
    Block b;
    b.line = static_cast<int>(i + 1);
    b.info = TrimRight(lines[i].substr(3));
    size_t j = i + 1;
    for (; j < lines.size(); ++j) {
      if (TrimRight(lines[j]) == "```") break;
      b.body += lines[j] + "\n";
    }
    if (j == lines.size()) {
      *error =
          "unterminated ``` block opened at line " + std::to_string(b.line);
      return {};
    }
    b.end_line = static_cast<int>(j + 1);
    blocks.push_back(std::move(b));
    i = j;
  }
  return blocks;
}

// True when only blank lines separate block `a` from block `b`.
bool Adjacent(const std::vector<std::string>& lines, const Block& a,
              const Block& b) {
  for (int l = a.end_line + 1; l < b.line; ++l) {
    if (!TrimRight(lines[l - 1]).empty()) return false;
  }
  return true;
}

void RunDoc(const std::string& relative) {
  const std::filesystem::path path =
      std::filesystem::path(WEIR_SOURCE_DIR) / relative;
  BOOST_TEST_MESSAGE("running the examples of " << relative);
  BOOST_REQUIRE_MESSAGE(std::filesystem::exists(path),
                        relative << " does not exist");
  const std::vector<std::string> lines = ReadLines(path);
  std::string error;
  const std::vector<Block> blocks = ExtractBlocks(lines, &error);
  BOOST_REQUIRE_MESSAGE(error.empty(), relative << ": " << error);

  absl::StatusOr<std::unique_ptr<weir::Session>> session =
      weir::Session::Create(
          {.connect_to_sources = false,
           .connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(session.ok());
  int run = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    if (b.info != "sql" && b.info != "sql-error") continue;
    ++run;
    const std::string where = relative + ":" + std::to_string(b.line);
    std::string last_text;
    absl::Status status = (*session)->ExecuteScript(
        b.body, [&](const weir::StatementResult& r) { last_text = r.text; });
    std::string produced;
    if (b.info == "sql") {
      BOOST_CHECK_MESSAGE(status.ok(), where << ": this ```sql example fails:\n"
                                             << status.message());
      if (!status.ok()) continue;
      produced = last_text;
    } else {
      BOOST_CHECK_MESSAGE(
          !status.ok(),
          where << ": this ```sql-error example runs without an error");
      if (status.ok()) continue;
      produced = "Error: " + std::string(status.message());
    }
    // An expected-output block right after the example.
    if (i + 1 >= blocks.size()) continue;
    const Block& next = blocks[i + 1];
    if (!next.info.empty() || !Adjacent(lines, b, next)) continue;
    const bool plan = next.body.rfind("-> ", 0) == 0;
    const bool err = next.body.rfind("Error: ", 0) == 0;
    if (!plan && !err) continue;
    if (err != (b.info == "sql-error")) {
      BOOST_ERROR(relative << ":" << next.line << ": the output block shows "
                           << (err ? "an error" : "a plan")
                           << " but the example at line " << b.line << " is ```"
                           << b.info);
      continue;
    }
    const std::string expected = Normalize(next.body);
    const std::string actual = Normalize(produced);
    BOOST_CHECK_MESSAGE(expected == actual,
                        relative << ":" << next.line
                                 << ": the output shown differs from "
                                    "what the example at line "
                                 << b.line << " produces.\n--- shown:\n"
                                 << expected << "\n--- produced:\n"
                                 << actual);
  }
  BOOST_CHECK_MESSAGE(run > 0, relative << " has no ```sql examples");
}

// ---- docs/tutorial.md (see the file comment) ----------------------------

/// MariaDB's own answer the sink's table must equal.
constexpr char kGroupBy[] =
    "SELECT customer, COUNT(*) AS orders, SUM(amount) AS total "
    "FROM shop.orders GROUP BY customer ORDER BY customer;";

constexpr char kRestartMarker[] = "<!-- doc-test: restart weir -->";

const char* Env(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

/// `text` with each placeholder replaced, in one pass (a replacement is
/// never searched again).
std::string Substitute(
    const std::string& text,
    const std::vector<std::pair<std::string, std::string>>& subs) {
  std::string out;
  for (size_t i = 0; i < text.size();) {
    bool replaced = false;
    for (const auto& sub : subs) {
      if (text.compare(i, sub.first.size(), sub.first) == 0) {
        out += sub.second;
        i += sub.first.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

/// Runs `command` with `input` on its standard input; its standard output
/// and error, and whether it exited with 0.
std::pair<std::string, bool> RunCommand(const std::string& command,
                                        const std::string& input) {
  const std::filesystem::path in =
      std::filesystem::temp_directory_path() /
      ("weir-tutorial-input-" + std::to_string(::getpid()));
  std::ofstream(in) << input;
  std::FILE* pipe =
      ::popen((command + " < '" + in.string() + "' 2>&1").c_str(), "r");
  BOOST_REQUIRE(pipe != nullptr);
  std::string out;
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    out.append(buffer, n);
  const int status = ::pclose(pipe);
  std::filesystem::remove(in);
  return {out, status == 0};
}

/// One result as the shell prints it (cli/shell.cc PrintResult, no echo).
std::string Render(const weir::StatementResult& r) {
  std::string out;
  if (!r.message.empty()) out += r.message + "\n";
  if (r.streamed) {
    out += "(" + std::to_string(r.streamed_rows) +
           (r.streamed_rows == 1 ? " row)\n" : " rows)\n");
  } else if (!r.columns.empty()) {
    out += weir::cli::FormatTable(r.columns, r.rows);
    out += "(" + std::to_string(r.rows.size()) +
           (r.rows.size() == 1 ? " row)\n" : " rows)\n");
  }
  if (!r.text.empty()) out += r.text + "\n";
  return out;
}

/// True when every statement of `body` is a SELECT: running it again
/// changes nothing.
bool OnlySelects(const std::string& body) {
  std::istringstream in(body);
  std::string statement;
  bool any = false;
  while (std::getline(in, statement, ';')) {
    std::istringstream words(statement);
    std::string first;
    if (!(words >> first)) continue;
    for (char& c : first) c = static_cast<char>(std::toupper(c));
    if (first != "SELECT") return false;
    any = true;
  }
  return any;
}

class Tutorial {
 public:
  Tutorial(std::string port, std::string server_dir)
      : port_(std::move(port)),
        server_dir_(std::move(server_dir)),
        state_dir_((std::filesystem::temp_directory_path() /
                    ("weir-tutorial-state-" + std::to_string(::getpid())))
                       .string()),
        subs_({{"/tmp/weir-mariadb", server_dir_},
               {"/tmp/weir-tutorial", state_dir_},
               {"3307", port_}}) {
    std::filesystem::remove_all(state_dir_);
    StartSession();
  }

  ~Tutorial() {
    session_.reset();
    std::filesystem::remove_all(state_dir_);
    // The tutorial stops the server and removes its directory: start the
    // fixture's server again for the tests after this one.
    RunCommand("bash scripts/mariadb.sh start '" + server_dir_ + "' " + port_,
               "");
  }

  std::string Substituted(const std::string& text) const {
    return Substitute(text, subs_);
  }

  void StartSession() {
    session_.reset();
    auto session = weir::Session::Create(
        {.connectors = weir::connectors::BuiltinConnectors()});
    BOOST_REQUIRE(session.ok());
    session_ = *std::move(session);
    weir::PushHandler h;
    h.on_columns = [this](const std::vector<std::string>& columns) {
      AppendCells(columns);
    };
    h.on_row = [this](const std::vector<std::string>& row) {
      AppendCells(row);
      return true;
    };
    session_->set_push_handler(std::move(h));
  }

  /// Runs a ```sql block; its output, or "Error: ..." when it failed.
  std::string Sql(const std::string& body) {
    output_.clear();
    absl::Status status = session_->ExecuteScript(
        body, [this](const weir::StatementResult& r) { output_ += Render(r); });
    if (!status.ok()) return "Error: " + std::string(status.message());
    return output_;
  }

  /// Runs a ```mysql block as root over the server's socket.
  std::pair<std::string, bool> Mysql(const std::string& body) const {
    return RunCommand("mariadb --no-defaults --socket='" + server_dir_ +
                          "/mariadb.sock' -u root -t",
                      body);
  }

 private:
  void AppendCells(const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i)
      output_ += (i ? " | " : "") + weir::cli::EscapeCell(cells[i]);
    output_ += "\n";
  }

  std::string port_, server_dir_, state_dir_;
  std::vector<std::pair<std::string, std::string>> subs_;
  std::unique_ptr<weir::Session> session_;
  std::string output_;
};

void RunTutorial(const std::string& relative) {
  const char* port = Env("WEIR_TEST_MYSQL_PORT");
  const char* dir = Env("WEIR_TEST_MYSQL_DIR");
  BOOST_REQUIRE(port != nullptr && dir != nullptr);
  const std::filesystem::path path =
      std::filesystem::path(WEIR_SOURCE_DIR) / relative;
  BOOST_REQUIRE_MESSAGE(std::filesystem::exists(path),
                        relative << " does not exist");
  std::filesystem::current_path(WEIR_SOURCE_DIR);
  const std::vector<std::string> lines = ReadLines(path);
  std::string error;
  const std::vector<Block> blocks = ExtractBlocks(lines, &error);
  BOOST_REQUIRE_MESSAGE(error.empty(), relative << ": " << error);
  std::vector<int> restarts;  // lines of the restart markers
  for (size_t i = 0; i < lines.size(); ++i) {
    if (TrimRight(lines[i]) == kRestartMarker)
      restarts.push_back(static_cast<int>(i + 1));
  }

  Tutorial t(port, dir);
  t.Mysql(
      "DROP DATABASE IF EXISTS shop; DROP DATABASE IF EXISTS analytics; "
      "DROP USER IF EXISTS 'tutorial'@'%';");
  size_t next_restart = 0;
  int run = 0, compared = 0, checked_by_group_by = 0;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    if (b.info != "sql" && b.info != "mysql" && b.info != "sh") continue;
    while (next_restart < restarts.size() && restarts[next_restart] < b.line) {
      t.StartSession();
      ++next_restart;
    }
    ++run;
    const std::string where = relative + ":" + std::to_string(b.line);
    const std::string body = t.Substituted(b.body);
    std::optional<std::string> expected;
    if (i + 1 < blocks.size() && blocks[i + 1].info.empty() &&
        Adjacent(lines, b, blocks[i + 1])) {
      expected = Normalize(t.Substituted(blocks[i + 1].body));
    }
    auto once = [&]() -> std::pair<std::string, bool> {
      if (b.info == "sql") {
        std::string out = t.Sql(body);
        return {out, out.rfind("Error: ", 0) != 0};
      }
      if (b.info == "mysql") return t.Mysql(body);
      return RunCommand("bash -e", body);
    };
    const bool retry = expected && b.info != "sh" && OnlySelects(body);
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::pair<std::string, bool> got = once();
    while (retry && got.second && Normalize(got.first) != *expected &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      got = once();
    }
    BOOST_REQUIRE_MESSAGE(got.second, where << ": this ```" << b.info
                                            << " block fails:\n"
                                            << got.first);
    if (!expected) continue;
    ++compared;
    BOOST_CHECK_MESSAGE(Normalize(got.first) == *expected,
                        where << ": the output shown differs from what the "
                                 "block produces.\n--- shown:\n"
                              << *expected << "\n--- produced:\n"
                              << Normalize(got.first));
    if (b.info == "mysql" &&
        body.find("analytics.revenue") != std::string::npos) {
      ++checked_by_group_by;
      const auto own = t.Mysql(kGroupBy);
      BOOST_CHECK_MESSAGE(own.second && Normalize(own.first) == *expected,
                          where << ": the rows shown are not MariaDB's own "
                                   "GROUP BY over shop.orders:\n"
                                << own.first);
    }
  }
  BOOST_TEST_MESSAGE(relative << ": ran " << run << " blocks, compared "
                              << compared << " outputs, " << checked_by_group_by
                              << " against MariaDB's GROUP BY");
  BOOST_CHECK_MESSAGE(next_restart == restarts.size() && !restarts.empty(),
                      relative << ": a restart marker after the last block");
  BOOST_CHECK_MESSAGE(checked_by_group_by >= 2,
                      relative << " shows the sink's table fewer than twice");
}

bool HasTestMariaDb() {
  return Env("WEIR_TEST_MYSQL_PORT") != nullptr &&
         Env("WEIR_TEST_MYSQL_DIR") != nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(sql_reference_examples) {
  RunDoc("docs/sql-reference.md");
}

BOOST_AUTO_TEST_CASE(user_guide_examples) { RunDoc("docs/user-guide.md"); }

BOOST_AUTO_TEST_CASE(time_and_windows_examples) {
  RunDoc("docs/time-and-windows.md");
}

// Needs the test MariaDB: run by CTest as docs_tutorial_mysql_test.
BOOST_AUTO_TEST_CASE(tutorial_examples, *boost::unit_test::precondition(
                                            [](boost::unit_test::test_unit_id) {
                                              return HasTestMariaDb();
                                            })) {
  RunTutorial("docs/tutorial.md");
}

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

#define BOOST_TEST_MODULE docs_examples_test
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

}  // namespace

BOOST_AUTO_TEST_CASE(sql_reference_examples) {
  RunDoc("docs/sql-reference.md");
}

BOOST_AUTO_TEST_CASE(user_guide_examples) { RunDoc("docs/user-guide.md"); }

BOOST_AUTO_TEST_CASE(time_and_windows_examples) {
  RunDoc("docs/time-and-windows.md");
}

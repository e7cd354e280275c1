// Runs the SQL golden files under tests/sql/ (*.test). Each file runs in a
// fresh session, block by block, in order. A block is a directive line, the
// SQL (one or more lines), and for most directives '----' followed by the
// expected output; blocks are separated by blank lines. Directives:
//
//   statement ok        the SQL must succeed (its output is not checked)
//   statement error     the SQL must fail; the expected text is the whole
//                       rendered error: message, source line and caret line
//   query               the SQL must succeed with a table: the expected text
//                       is the header line then one line per row, cells
//                       separated by " | "
//   explain             the SQL (an EXPLAIN) must print exactly the expected
//                       text
//   output              the SQL must succeed; the expected text is its
//                       message and text lines (SHOW/DESCRIBE/SET)
//
// Lines starting with '#' outside a block are comments. Expected texts are
// written by hand from the dialect's rules, never pasted from the engine.

#define BOOST_TEST_MODULE sql_golden_test
#include <algorithm>
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
  int line = 0;  // where the directive is
  std::string directive;
  std::string sql;
  std::string expected;
  bool has_expected = false;
};

std::vector<std::string> ReadLines(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::vector<Block> ParseBlocks(const std::vector<std::string>& lines,
                               std::string* error) {
  std::vector<Block> blocks;
  size_t i = 0;
  while (i < lines.size()) {
    const std::string& l = lines[i];
    if (l.empty() || l[0] == '#') {
      ++i;
      continue;
    }
    Block b;
    b.line = static_cast<int>(i + 1);
    b.directive = l;
    ++i;
    while (i < lines.size() && !lines[i].empty() && lines[i] != "----") {
      b.sql += (b.sql.empty() ? "" : "\n") + lines[i];
      ++i;
    }
    if (i < lines.size() && lines[i] == "----") {
      b.has_expected = true;
      ++i;
      bool first = true;
      while (i < lines.size() && !lines[i].empty()) {
        b.expected += (first ? "" : "\n") + lines[i];
        first = false;
        ++i;
      }
    }
    if (b.directive != "statement ok" && b.directive != "statement error" &&
        b.directive != "query" && b.directive != "explain" &&
        b.directive != "output") {
      *error = "unknown directive '" + b.directive + "' at line " +
               std::to_string(b.line);
      return {};
    }
    if (b.sql.empty()) {
      *error = "block without SQL at line " + std::to_string(b.line);
      return {};
    }
    bool needs_expected = b.directive != "statement ok";
    if (needs_expected != b.has_expected) {
      *error = "block at line " + std::to_string(b.line) +
               (needs_expected ? " needs '----' and an expected result"
                               : " must not have an expected result");
      return {};
    }
    blocks.push_back(std::move(b));
  }
  return blocks;
}

std::string RenderTable(const weir::StatementResult& r) {
  std::string out;
  auto join = [](const std::vector<std::string>& cells) {
    std::string s;
    for (size_t i = 0; i < cells.size(); ++i) s += (i ? " | " : "") + cells[i];
    return s;
  };
  out = join(r.columns);
  for (const auto& row : r.rows) out += "\n" + join(row);
  return out;
}

std::string RenderOutput(const weir::StatementResult& r) {
  std::string out = r.message;
  if (!r.columns.empty()) out += (out.empty() ? "" : "\n") + RenderTable(r);
  if (!r.text.empty()) out += (out.empty() ? "" : "\n") + r.text;
  return out;
}

void RunFile(const std::filesystem::path& path) {
  std::string parse_error;
  std::vector<Block> blocks = ParseBlocks(ReadLines(path), &parse_error);
  BOOST_CHECK_MESSAGE(parse_error.empty(), path.string()
                                               << ": " << parse_error);
  BOOST_CHECK_MESSAGE(!blocks.empty(), path.string() << " has no blocks");
  auto session = weir::Session::Create(
      {.connect_to_sources = false,
       .connectors = weir::connectors::BuiltinConnectors()});
  if (!session.ok()) {
    BOOST_ERROR("cannot create a session: " << session.status().message());
    return;
  }
  for (const Block& b : blocks) {
    std::string where = path.filename().string() + ":" + std::to_string(b.line);
    std::vector<weir::StatementResult> results;
    absl::Status status = (*session)->ExecuteScript(
        b.sql, [&](const weir::StatementResult& r) { results.push_back(r); });
    if (b.directive == "statement error") {
      BOOST_CHECK_MESSAGE(!status.ok(),
                          where << ": expected an error, but it succeeded");
      if (!status.ok()) {
        std::string got(status.message());
        BOOST_CHECK_MESSAGE(got == b.expected,
                            where << ": wrong error\n--- expected:\n"
                                  << b.expected << "\n--- got:\n"
                                  << got);
      }
      continue;
    }
    BOOST_CHECK_MESSAGE(status.ok(), where << ": failed: " << status.message());
    if (!status.ok() || b.directive == "statement ok") continue;
    if (results.empty()) {
      BOOST_ERROR(where << ": no result");
      continue;
    }
    const weir::StatementResult& last = results.back();
    std::string got = b.directive == "query"     ? RenderTable(last)
                      : b.directive == "explain" ? last.text
                                                 : RenderOutput(last);
    BOOST_CHECK_MESSAGE(got == b.expected,
                        where << ": wrong output\n--- expected:\n"
                              << b.expected << "\n--- got:\n"
                              << got);
  }
}

std::vector<std::filesystem::path> GoldenFiles() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(WEIR_SOURCE_DIR) / "tests" / "sql")) {
    if (entry.path().extension() == ".test") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

/// Counts the blocks of all files, so the suite can insist on its breadth.
BOOST_AUTO_TEST_CASE(golden_files_cover_the_dialect) {
  size_t total = 0, errors = 0;
  for (const auto& f : GoldenFiles()) {
    std::string err;
    for (const Block& b : ParseBlocks(ReadLines(f), &err)) {
      ++total;
      errors += b.directive == "statement error";
    }
  }
  BOOST_TEST_MESSAGE("golden blocks: " << total
                                       << ", error blocks: " << errors);
  BOOST_CHECK_GE(total, 150u);
  BOOST_CHECK_GE(errors, 50u);
}

/// Runs every golden file; a failure names the file and the block's line.
BOOST_AUTO_TEST_CASE(golden_files) {
  for (const auto& f : GoldenFiles()) {
    BOOST_TEST_CONTEXT("golden file " << f.filename().string()) { RunFile(f); }
  }
}

}  // namespace

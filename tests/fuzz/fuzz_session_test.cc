// The fuzzing session (tests/fuzz/fuzz_session.h) and the fuzz target
// itself, in the ordinary build: push queries are planned, not run, and the
// inputs in tests/fuzz/regressions (unbounded sources) go through the
// target to the end.
#define BOOST_TEST_MODULE fuzz_session_test
#include "tests/fuzz/fuzz_session.h"

#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "engine/session/session.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace weir::fuzz {
namespace {

std::vector<StatementResult> Run(const std::string& sql) {
  auto session = Session::Create(FuzzSessionOptions());
  BOOST_REQUIRE(session.ok());
  std::vector<StatementResult> results;
  absl::Status status = (*session)->ExecuteScript(
      sql, [&](const StatementResult& r) { results.push_back(r); });
  BOOST_REQUIRE_MESSAGE(status.ok(), status.message());
  return results;
}

BOOST_AUTO_TEST_CASE(unbounded_push_queries_are_planned_not_run) {
  // Without the option the SELECT would collect bids until memory ran out.
  std::vector<StatementResult> results =
      Run("CREATE STREAM n WITH (connector = 'nexmark', table = 'bid');"
          "SELECT auction, price FROM n WHERE price > 0 EMIT CHANGES;");
  BOOST_REQUIRE_EQUAL(results.size(), 2u);
  BOOST_TEST(
      results[1].columns == (std::vector<std::string>{"auction", "price"}),
      boost::test_tools::per_element());
  BOOST_TEST(results[1].rows.empty());
  BOOST_TEST(!results[1].streamed);
}

BOOST_AUTO_TEST_CASE(a_query_that_cannot_run_still_fails) {
  // Planning goes as far as running would: a stateful operator is refused.
  auto session = Session::Create(FuzzSessionOptions());
  BOOST_REQUIRE(session.ok());
  absl::Status status = (*session)->ExecuteScript(
      "CREATE STREAM n WITH (connector = 'nexmark', table = 'bid');"
      "SELECT a.auction, b.price FROM n AS a JOIN n AS b "
      "ON a.auction = b.auction EMIT CHANGES;",
      [](const StatementResult&) {});
  BOOST_TEST(status.code() == absl::StatusCode::kUnimplemented,
             status.message());
}

BOOST_AUTO_TEST_CASE(regression_inputs_go_through_the_fuzz_target) {
  const std::filesystem::path dir =
      std::filesystem::path(WEIR_SOURCE_DIR) / "tests/fuzz/regressions";
  int inputs = 0;
  for (const auto& file : std::filesystem::directory_iterator(dir)) {
    std::ifstream in(file.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const std::string input = text.str();
    BOOST_TEST_MESSAGE("input " << file.path().filename());
    BOOST_TEST(
        LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()),
                               input.size()) == 0);
    ++inputs;
  }
  BOOST_TEST(inputs >= 3);
}

}  // namespace
}  // namespace weir::fuzz

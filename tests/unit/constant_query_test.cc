// Statements over constants (SELECT without FROM, UNION of those, VALUES)
// run through the regular operators: one clock reading per statement, rows
// in the written order, UNION removing duplicates, errors at the failing
// expression, and a VALUES branch inside a push query read once. Expected
// values are written by hand or computed from the test's own clock.
#define BOOST_TEST_MODULE constant_query_test
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <ctime>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "connectors/registry.h"
#include "engine/session/session.h"

namespace {

using Rows = std::vector<std::vector<std::string>>;

std::unique_ptr<weir::Session> NewSession() {
  // Several workers, so tasks that may run in parallel would.
  auto session = weir::Session::Create(
      {.connect_to_sources = false,
       .worker_threads = 4,
       .connectors = weir::connectors::BuiltinConnectors()});
  BOOST_REQUIRE(session.ok());
  return *std::move(session);
}

/// The result of the last statement of `sql`, which must succeed.
weir::StatementResult Run(weir::Session& session, const std::string& sql) {
  std::vector<weir::StatementResult> results;
  absl::Status status = session.ExecuteScript(
      sql, [&](const weir::StatementResult& r) { results.push_back(r); });
  BOOST_REQUIRE_MESSAGE(status.ok(), sql << ": " << status.message());
  BOOST_REQUIRE(!results.empty());
  return results.back();
}

/// The rendered error of `sql`, which must fail.
std::string Error(weir::Session& session, const std::string& sql) {
  absl::Status status =
      session.ExecuteScript(sql, [](const weir::StatementResult&) {});
  BOOST_REQUIRE_MESSAGE(!status.ok(), sql << " succeeded");
  return std::string(status.message());
}

int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// "2026-01-02 03:04:05.678" (UTC) as milliseconds since the epoch.
int64_t ParseMillis(const std::string& text) {
  std::tm tm{};
  std::istringstream in(text.substr(0, 19));
  in >> std::get_time(&tm, "%Y-%m-%d %H:%M:%S");
  BOOST_REQUIRE_MESSAGE(!in.fail(), "not a timestamp: " << text);
  BOOST_REQUIRE_MESSAGE(text.size() == 23 && text[19] == '.',
                        "not TIMESTAMP(3): " << text);
  return static_cast<int64_t>(timegm(&tm)) * 1000 +
         std::stoll(text.substr(20, 3));
}

BOOST_AUTO_TEST_CASE(the_clock_is_read_once_per_statement) {
  auto session = NewSession();
  // Many branches, each its own task run after the one before: together
  // they take longer than the clock's millisecond, so readings taken as
  // they run would differ.
  std::string sql =
      "SELECT NOW() AS a, CURRENT_TIMESTAMP AS b, CURRENT_DATE AS d";
  for (int i = 0; i < 300; ++i) {
    sql += i % 2 ? " UNION ALL SELECT CURRENT_TIMESTAMP, NOW(), CURRENT_DATE"
                 : " UNION ALL SELECT NOW(), NOW(), CURRENT_DATE";
  }
  int64_t before = WallMillis();
  weir::StatementResult r = Run(*session, sql);
  int64_t after = WallMillis();
  BOOST_REQUIRE_EQUAL(r.rows.size(), 301u);
  const std::string now = r.rows[0][0];
  // Every clock call of every branch is one reading...
  for (const auto& row : r.rows) {
    BOOST_TEST(row[0] == now);
    BOOST_TEST(row[1] == now);
    // ... and CURRENT_DATE is that reading's date, even at midnight.
    BOOST_TEST(row[2] == now.substr(0, 10));
  }
  // The reading was taken while the statement ran.
  int64_t millis = ParseMillis(now);
  BOOST_TEST(millis >= before);
  BOOST_TEST(millis <= after);
}

BOOST_AUTO_TEST_CASE(a_filter_and_a_projection_see_the_same_reading) {
  auto session = NewSession();
  weir::StatementResult r =
      Run(*session,
          "SELECT t, CAST(t AS DATE) = CURRENT_DATE AS today FROM "
          "(SELECT NOW() AS t) AS s WHERE t = CURRENT_TIMESTAMP");
  BOOST_REQUIRE_EQUAL(r.rows.size(), 1u);
  BOOST_TEST(r.rows[0][1] == "TRUE");
}

BOOST_AUTO_TEST_CASE(union_all_of_constants_keeps_the_written_order) {
  auto session = NewSession();
  std::string sql = "SELECT 1 AS n";
  Rows expected = {{"1"}};
  for (int i = 2; i <= 40; ++i) {
    sql += " UNION ALL SELECT " + std::to_string(i);
    expected.push_back({std::to_string(i)});
  }
  // Run it several times: branches are tasks on a pool of four workers.
  for (int round = 0; round < 5; ++round) {
    weir::StatementResult r = Run(*session, sql);
    BOOST_TEST(r.columns == std::vector<std::string>{"n"});
    BOOST_TEST((r.rows == expected));
  }
}

BOOST_AUTO_TEST_CASE(union_removes_duplicates_keeping_first_occurrences) {
  auto session = NewSession();
  // ((((3 U 1) U 3) U NULL) U NULL) UNION ALL 3: NULLs are not distinct.
  weir::StatementResult r =
      Run(*session,
          "SELECT 3 AS n UNION SELECT 1 UNION SELECT 3 UNION SELECT NULL "
          "UNION SELECT NULL UNION ALL SELECT 3");
  BOOST_TEST((r.rows == Rows{{"3"}, {"1"}, {"NULL"}, {"3"}}));
  weir::StatementResult pairs =
      Run(*session,
          "SELECT 1 AS a, 'x' AS b UNION SELECT 1, 'y' UNION SELECT 1, 'x'");
  BOOST_TEST((pairs.rows == Rows{{"1", "x"}, {"1", "y"}}));
}

BOOST_AUTO_TEST_CASE(limit_takes_the_first_rows_of_a_constant_union) {
  auto session = NewSession();
  weir::StatementResult r =
      Run(*session,
          "SELECT 'a' AS s UNION ALL SELECT 'b' UNION ALL SELECT 'c' LIMIT 2");
  BOOST_TEST((r.rows == Rows{{"a"}, {"b"}}));
  weir::StatementResult none = Run(*session, "SELECT 1 AS x LIMIT 0");
  BOOST_TEST(none.columns == std::vector<std::string>{"x"});
  BOOST_TEST(none.rows.empty());
}

BOOST_AUTO_TEST_CASE(errors_point_at_the_failing_expression) {
  auto session = NewSession();
  // An expression over a subquery's column, in the select list...
  BOOST_TEST(
      Error(*session, "SELECT x, 10 / x AS q FROM (SELECT 0 AS x) AS t") ==
      "line 1:11: division by zero\n"
      "SELECT x, 10 / x AS q FROM (SELECT 0 AS x) AS t\n"
      "          ^~~~~~");
  // ... in WHERE ...
  BOOST_TEST(
      Error(*session, "SELECT x FROM (SELECT 0 AS x) AS t WHERE 10 / x > 1") ==
      "line 1:42: division by zero\n"
      "SELECT x FROM (SELECT 0 AS x) AS t WHERE 10 / x > 1\n"
      "                                         ^~~~~~~~~~");
  // ... and in a later UNION branch, after rows of earlier ones.
  BOOST_TEST(Error(*session, "SELECT 1 AS x UNION ALL SELECT 1 / 0") ==
             "line 1:32: division by zero\n"
             "SELECT 1 AS x UNION ALL SELECT 1 / 0\n"
             "                               ^~~~~");
}

BOOST_AUTO_TEST_CASE(a_bad_value_fails_insert_before_kafka_is_reached) {
  auto session = NewSession();
  Run(*session,
      "CREATE STREAM s (a BIGINT, b VARCHAR) WITH (connector = 'kafka', "
      "topic = 's')");
  // The session cannot reach Kafka, but the value is checked first.
  BOOST_TEST(Error(*session, "INSERT INTO s VALUES (1, 'x'), (2 / 0, 'y')") ==
             "line 1:33: division by zero\n"
             "INSERT INTO s VALUES (1, 'x'), (2 / 0, 'y')\n"
             "                                ^~~~~");
  BOOST_TEST(Error(*session, "INSERT INTO s VALUES (1, 'x')") ==
             "line 1:1: this session does not connect to outside systems, so "
             "it cannot reach Kafka\n"
             "INSERT INTO s VALUES (1, 'x')\n"
             "^~~~~~~~~~~~~~~~~~~~~~~~~~~~~");
}

BOOST_AUTO_TEST_CASE(a_constant_branch_of_a_push_query_is_read_once) {
  auto session = NewSession();
  Run(*session,
      "SET 'parallelism' = '3'; "
      "CREATE STREAM seq (n BIGINT NOT NULL) WITH (connector = 'datagen', "
      "fields.n.kind = 'sequence', fields.n.start = '1', "
      "fields.n.end = '100')");
  std::string sql = "SELECT n FROM seq UNION ALL SELECT -1 EMIT CHANGES";
  weir::StatementResult explain = Run(*session, "EXPLAIN " + sql);
  BOOST_TEST(explain.text.find("1 task (constant rows) on the worker pool: "
                               "Values -> Project -> Union all -> client "
                               "queue") != std::string::npos,
             explain.text);
  weir::StatementResult r = Run(*session, sql);
  // The sequence 1..100 from three splits, and the constant row once.
  std::vector<int64_t> got;
  for (const auto& row : r.rows) got.push_back(std::stoll(row[0]));
  std::sort(got.begin(), got.end());
  std::vector<int64_t> expected = {-1};
  for (int64_t i = 1; i <= 100; ++i) expected.push_back(i);
  BOOST_TEST(got == expected);
}

}  // namespace

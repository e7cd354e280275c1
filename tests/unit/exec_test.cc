// The runtime: push queries over generator sources split across tasks,
// LIMIT across tasks, backpressure, runtime errors and refusal of stateful
// plans. Expected results are computed independently by running the
// generator directly and filtering in plain C++.
#define BOOST_TEST_MODULE exec_test
#include <boost/test/unit_test.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "connectors/generators/nexmark.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/query.h"
#include "engine/session/session.h"
#include "engine/sql/binder.h"
#include "engine/sql/optimizer.h"
#include "engine/sql/parser.h"

using namespace weir;
namespace gen = weir::connectors::generators;

namespace {

std::vector<std::vector<std::string>> RunPush(Session& s, const std::string& sql,
                                              std::string* error = nullptr) {
  std::vector<std::vector<std::string>> rows;
  absl::Status st = s.ExecuteScript(sql, [&](const StatementResult& r) {
    if (!r.columns.empty()) rows = r.rows;
  });
  if (error) *error = st.ok() ? "" : std::string(st.message());
  return rows;
}

std::unique_ptr<Session> NewSession() {
  auto s = Session::Create({.connect_to_sources = false});
  BOOST_REQUIRE(s.ok());
  return std::move(*s);
}

}  // namespace

BOOST_AUTO_TEST_CASE(filter_and_project_over_splits_match_a_direct_computation) {
  // Expected: every bid of the first 20,000 events with price > 1,000,000,
  // as (auction, price * 2), from one unsplit generator.
  auto schema = std::make_shared<types::Schema>(gen::NexmarkStandardFields(gen::NexmarkTable::kBid));
  gen::NexmarkOptions options;
  options.max_events = 20000;
  options.events_per_second = 1000000000;  // no pacing
  auto g = gen::NexmarkGenerator::Create(gen::NexmarkTable::kBid, options, schema);
  BOOST_REQUIRE(g.ok());
  std::map<std::pair<int64_t, int64_t>, int> expected;
  size_t auction_col = *schema->IndexOf("auction");
  size_t price_col = *schema->IndexOf("price");
  while (true) {
    types::Batch batch(schema);
    if ((*g)->Next(&batch, 1000) == 0) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      int64_t price = batch.column(price_col).ints()[r];
      if (price > 1000000) ++expected[{batch.column(auction_col).ints()[r], price * 2}];
    }
  }
  BOOST_REQUIRE(!expected.empty());

  auto s = NewSession();
  std::string error;
  RunPush(*s,
          "CREATE STREAM bids WITH (connector = 'nexmark', table = 'bid', max-events = 20000, "
          "events-per-second = 1000000000); SET 'parallelism' = '3';",
          &error);
  BOOST_REQUIRE_EQUAL(error, "");
  auto rows = RunPush(*s, "SELECT auction, price * 2 AS p2 FROM bids WHERE price > 1000000 EMIT CHANGES;",
                      &error);
  BOOST_REQUIRE_EQUAL(error, "");
  std::map<std::pair<int64_t, int64_t>, int> got;
  for (const auto& row : rows) ++got[{std::stoll(row[0]), std::stoll(row[1])}];
  BOOST_TEST(got.size() == expected.size());
  BOOST_TEST((got == expected));
}

BOOST_AUTO_TEST_CASE(limit_is_exact_across_tasks) {
  auto s = NewSession();
  std::string error;
  RunPush(*s,
          "CREATE STREAM bids WITH (connector = 'nexmark', table = 'bid', "
          "events-per-second = 1000000000); SET 'parallelism' = '4';",
          &error);
  BOOST_REQUIRE_EQUAL(error, "");
  auto rows = RunPush(*s, "SELECT auction FROM bids EMIT CHANGES LIMIT 7;", &error);
  BOOST_REQUIRE_EQUAL(error, "");
  BOOST_TEST(rows.size() == 7u);
}

BOOST_AUTO_TEST_CASE(runtime_errors_fail_the_query_with_the_value) {
  auto s = NewSession();
  std::string error;
  RunPush(*s,
          "CREATE STREAM n (a INT NOT NULL, b INT NOT NULL) WITH (connector = 'datagen', "
          "number-of-rows = 100, fields.a.kind = 'sequence', fields.a.start = 1, fields.a.end = 100, "
          "fields.b.kind = 'sequence', fields.b.start = 0, fields.b.end = 99);",
          &error);
  BOOST_REQUIRE_EQUAL(error, "");
  RunPush(*s, "SELECT a / b FROM n EMIT CHANGES;", &error);
  BOOST_TEST(error.find("division by zero") != std::string::npos, error);
  // The same query without the zero row runs to the end.
  auto rows = RunPush(*s, "SELECT a / b AS q FROM n WHERE b <> 0 EMIT CHANGES;", &error);
  BOOST_REQUIRE_EQUAL(error, "");
  BOOST_TEST(rows.size() == 99u);
}

BOOST_AUTO_TEST_CASE(stateful_plans_are_refused_clearly) {
  auto s = NewSession();
  std::string error;
  RunPush(*s, "CREATE STREAM bids WITH (connector = 'nexmark', table = 'bid');", &error);
  BOOST_REQUIRE_EQUAL(error, "");
  RunPush(*s, "SELECT auction, COUNT(*) AS n FROM bids GROUP BY auction EMIT CHANGES;", &error);
  BOOST_TEST(error.find("Aggregate is not executable yet") != std::string::npos, error);
}

namespace {

/// An unbounded source that counts the rows it has produced.
class CountingSource : public exec::Source {
 public:
  explicit CountingSource(std::atomic<int64_t>* produced) : produced_(produced) {}
  absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) override {
    for (size_t i = 0; i < max_rows; ++i) {
      out->AppendRow({types::Value::Bigint(produced_->fetch_add(1))});
    }
    return max_rows;
  }
  bool finished() const override { return false; }

 private:
  std::atomic<int64_t>* produced_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_slow_client_holds_the_sources_back) {
  auto catalog = catalog::NewInMemoryCatalog();
  catalog::Entry entry;
  entry.name = "numbers";
  entry.kind = catalog::EntryKind::kStream;
  entry.connector = "test";
  entry.schema.Add({"n", types::LogicalType::Bigint(), false});
  BOOST_REQUIRE(catalog->Create(entry, false).ok());
  auto stmt = sql::ParseStatement("SELECT n FROM numbers EMIT CHANGES");
  BOOST_REQUIRE(stmt.ok());
  auto bound = sql::Binder(*catalog).Bind(**stmt, "SELECT n FROM numbers EMIT CHANGES");
  BOOST_REQUIRE(bound.ok());
  std::atomic<int64_t> produced{0};
  exec::SourceProvider provider = [&](const catalog::Entry&, std::shared_ptr<const types::Schema>,
                                      int, int) -> absl::StatusOr<std::unique_ptr<exec::Source>> {
    return std::unique_ptr<exec::Source>(new CountingSource(&produced));
  };
  exec::QueryOptions options;
  options.parallelism = 2;
  options.batch_rows = 100;
  options.output_queue_batches = 4;
  auto q = exec::RunningQuery::Start(sql::Optimize(bound->plan), *catalog, provider, options);
  BOOST_REQUIRE_MESSAGE(q.ok(), q.status().message());
  // The client reads nothing for a while: the sources must stop once the
  // queue is full. Bound: the queue's batches plus one batch per task in
  // flight (being pushed) plus one being read from the source.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int64_t bound_rows = (4 + 2 * 2) * 100;
  BOOST_TEST(produced.load() <= bound_rows);
  int64_t before = produced.load();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  BOOST_TEST(produced.load() == before);  // nothing more while blocked
  // Reading lets them go on.
  int64_t read = 0;
  while (read < 2000) {
    auto batch = (*q)->Next(std::chrono::milliseconds(1000));
    BOOST_REQUIRE(batch.ok());
    BOOST_REQUIRE(batch->has_value());
    read += static_cast<int64_t>((*batch)->num_rows());
  }
  BOOST_TEST(produced.load() > before);
  // Destroying the query stops and joins its tasks (a hang here is caught
  // by the test's CTest timeout, not by a clock in the test).
  q->reset();
  BOOST_TEST(!q->get());
}

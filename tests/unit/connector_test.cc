// A connector written in this file and registered by it: `counter`, a
// stream whose split s of n counts the numbers i < rows with i % n == s
// (as start + i * SET 'counter.step'), with a METADATA column 'split', and
// a sink that collects what is written to a counter stream. Used from SQL
// through a session that knows no other connector: the engine needs
// nothing but the interface in engine/catalog/connector.h.
#define BOOST_TEST_MODULE connector_test
#include "engine/catalog/connector.h"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "engine/base/status.h"
#include "engine/catalog/connector_registry.h"
#include "engine/exec/sink.h"
#include "engine/exec/source.h"
#include "engine/session/session.h"
#include "fmt/format.h"

namespace weir {
namespace {

using types::LogicalType;

/// What the counter connector's sinks and session states report, across
/// threads.
struct Log {
  std::mutex mu;
  std::vector<int64_t> written;     // the `n` column of every row written
  std::vector<std::string> events;  // "sink closed", "state destroyed"
  int states_created = 0;
  int prepared = 0;

  void Event(std::string what) {
    std::lock_guard lock(mu);
    events.push_back(std::move(what));
  }
};

/// Split `split` of `splits`: i in [0, rows) with i % splits == split, as
/// rows (start + i * step, split); with rows = 0 it never ends and never
/// has a row.
class CounterSource : public exec::Source {
 public:
  CounterSource(const catalog::Entry& entry,
                std::shared_ptr<const types::Schema> schema, int split,
                int splits, int64_t step)
      : schema_(std::move(schema)),
        next_(split),
        splits_(splits),
        split_(split),
        step_(step) {
    rows_ = std::stoll(entry.Option("rows").value_or("0"));
    start_ = std::stoll(entry.Option("start").value_or("0"));
    for (const auto& [column, key] : entry.metadata) {
      if (key == "split") split_column_ = column;
    }
  }

  absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) override {
    size_t n = 0;
    for (; n < max_rows && !finished(); ++n, next_ += splits_) {
      std::vector<types::Value> row;
      for (size_t c = 0; c < schema_->size(); ++c) {
        if (static_cast<int>(c) == split_column_) {
          row.push_back(schema_->field(c).type.id() == types::TypeId::kInt
                            ? types::Value::Int(split_)
                            : types::Value::Bigint(split_));
        } else {
          row.push_back(types::Value::Bigint(start_ + next_ * step_));
        }
      }
      out->AppendRow(row);
    }
    return n;
  }

  bool finished() const override { return rows_ > 0 && next_ >= rows_; }

 private:
  std::shared_ptr<const types::Schema> schema_;
  int64_t rows_ = 0;
  int64_t start_ = 0;
  int64_t next_;
  int splits_;
  int split_;
  int64_t step_;
  int split_column_ = -1;
};

/// Collects the first column of every live row into the log.
class CollectingSink : public exec::Sink {
 public:
  explicit CollectingSink(std::shared_ptr<Log> log) : log_(std::move(log)) {}
  ~CollectingSink() override { log_->Event("sink closed"); }

  absl::Status Write(const types::Batch& batch) override {
    std::lock_guard lock(log_->mu);
    for (const auto& row : batch.ToRows()) {
      log_->written.push_back(row[0].integer());
    }
    return absl::OkStatus();
  }
  absl::Status Flush(std::chrono::milliseconds) override {
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<Log> log_;
};

/// The counter connector in one session: reads SET 'counter.step' when a
/// query starts.
class CounterState : public catalog::ConnectorSession {
 public:
  explicit CounterState(std::shared_ptr<Log> log) : log_(std::move(log)) {
    std::lock_guard lock(log_->mu);
    ++log_->states_created;
  }
  ~CounterState() override { log_->Event("state destroyed"); }

  absl::StatusOr<catalog::SourceOpener> PrepareSource(
      const catalog::Entry& entry,
      const catalog::QueryContext& context) override {
    Prepared();
    int64_t step = 1;
    if (auto it = context.settings.find("counter.step");
        it != context.settings.end()) {
      step = std::stoll(it->second);
    }
    return catalog::SourceOpener(
        [step](const catalog::Entry& e,
               std::shared_ptr<const types::Schema> schema, int split,
               int splits) -> absl::StatusOr<std::unique_ptr<exec::Source>> {
          return std::make_unique<CounterSource>(e, std::move(schema), split,
                                                 splits, step);
        });
  }

  absl::StatusOr<catalog::SinkOpener> PrepareSink(
      const catalog::Entry& target,
      const catalog::QueryContext& context) override {
    Prepared();
    return catalog::SinkOpener(
        [log = log_](const catalog::Entry&,
                     std::shared_ptr<const types::Schema>, int,
                     int) -> absl::StatusOr<std::unique_ptr<exec::Sink>> {
          return std::make_unique<CollectingSink>(log);
        });
  }

 private:
  void Prepared() {
    std::lock_guard lock(log_->mu);
    ++log_->prepared;
  }
  std::shared_ptr<Log> log_;
};

class CounterConnector : public catalog::Connector {
 public:
  explicit CounterConnector(std::shared_ptr<Log> log)
      : Connector(Info()), log_(std::move(log)) {}

  std::string TargetNote(const catalog::Entry& target) const override {
    return " (collected)";
  }

  std::unique_ptr<catalog::ConnectorSession> NewSession() const override {
    return std::make_unique<CounterState>(log_);
  }

 private:
  static catalog::ConnectorInfo Info() {
    catalog::ConnectorInfo info;
    info.name = "counter";
    info.display_name = "Counter";
    info.stream = true;
    info.runs_source = info.runs_sink = true;
    info.options.options = {
        catalog::OptionSpec::Integer("rows", 0,
                                     std::numeric_limits<int64_t>::max()),
        catalog::OptionSpec::Integer("start"),
    };
    info.options.options[0].required = true;
    info.metadata = {
        {"split", "", {LogicalType::Int(), LogicalType::Bigint()}}};
    info.explain_options = {"rows", "start"};
    info.settings = {catalog::PositiveIntegerSetting("counter.step", 100)};
    return info;
  }

  std::shared_ptr<Log> log_;
};

struct Result {
  std::string error;
  std::string messages;
  std::string text;
  std::vector<std::vector<std::string>> rows;
};

class Fixture {
 public:
  Fixture() : log_(std::make_shared<Log>()) {
    auto registry = std::make_shared<catalog::ConnectorRegistry>();
    BOOST_REQUIRE(
        registry->Register(std::make_unique<CounterConnector>(log_)).ok());
    auto session = Session::Create(
        {.connect_to_sources = true, .connectors = std::move(registry)});
    BOOST_REQUIRE(session.ok());
    session_ = std::move(*session);
  }

  Result Run(const std::string& sql) {
    Result result;
    absl::Status status =
        session_->ExecuteScript(sql, [&](const StatementResult& r) {
          result.messages += r.message;
          result.text += r.text;
          if (!r.columns.empty()) result.rows = r.rows;
        });
    result.error = status.ok() ? "" : std::string(status.message());
    return result;
  }

  std::shared_ptr<Log> log_;
  std::unique_ptr<Session> session_;
};

/// `rows` as "a|b" strings, order ignored.
std::multiset<std::string> Cells(
    const std::vector<std::vector<std::string>>& rows) {
  std::multiset<std::string> out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) line += (i ? "|" : "") + row[i];
    out.insert(line);
  }
  return out;
}

BOOST_FIXTURE_TEST_CASE(a_stream_of_the_test_connector_reads_its_rows,
                        Fixture) {
  Result r =
      Run("CREATE STREAM c (n BIGINT, s INT METADATA FROM 'split') WITH "
          "(connector = 'counter', rows = '10');");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_TEST(r.messages == "Created stream 'c'.");
  r = Run("SET 'parallelism' = '3'; SELECT n, s FROM c EMIT CHANGES;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  // Split s of 3 counts the i < 10 with i % 3 == s.
  std::multiset<std::string> expected;
  for (int i = 0; i < 10; ++i) expected.insert(fmt::format("{}|{}", i, i % 3));
  BOOST_TEST((Cells(r.rows) == expected));
  // The connector reads the session's settings when the query starts.
  r = Run("SET 'counter.step' = '5'; SELECT n FROM c EMIT CHANGES;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  std::multiset<std::string> stepped;
  for (int i = 0; i < 10; ++i) stepped.insert(std::to_string(i * 5));
  BOOST_TEST((Cells(r.rows) == stepped));
  // One state for the session, however many queries it prepares.
  BOOST_TEST(log_->states_created == 1);
  BOOST_TEST(log_->prepared == 2);
}

BOOST_FIXTURE_TEST_CASE(its_options_metadata_and_settings_are_checked,
                        Fixture) {
  // Column numbers counted by hand from the statements.
  Result r =
      Run("CREATE STREAM d (n BIGINT) WITH (connector = 'counter', rwos = "
          "'5');");
  BOOST_TEST(r.error.rfind("line 1:57: unknown option 'rwos' for connector "
                           "'counter'; did you mean 'rows'?\n",
                           0) == 0,
             r.error);
  r = Run("CREATE STREAM d (n BIGINT) WITH (connector = 'counter');");
  BOOST_TEST(r.error.find("connector 'counter' needs option 'rows'") !=
                 std::string::npos,
             r.error);
  r = Run("CREATE STREAM d (n BIGINT) WITH (connector = 'countr', rows = 1);");
  BOOST_TEST(r.error.rfind("line 1:46: unknown connector 'countr'; did you "
                           "mean 'counter'?\n",
                           0) == 0,
             r.error);
  r =
      Run("CREATE STREAM d (n BIGINT, s INT METADATA FROM 'splt') WITH "
          "(connector = 'counter', rows = '1');");
  BOOST_TEST(r.error.rfind("line 1:34: unknown Counter metadata 'splt' "
                           "(Counter records have split); did you mean "
                           "'split'?\n",
                           0) == 0,
             r.error);
  r =
      Run("CREATE STREAM d (n BIGINT, s VARCHAR METADATA FROM 'split') WITH "
          "(connector = 'counter', rows = '1');");
  BOOST_TEST(r.error.rfind("line 1:30: metadata 'split' is INT or BIGINT, so "
                           "column 's' cannot be VARCHAR\n",
                           0) == 0,
             r.error);
  r = Run("SET 'counter.step' = '0';");
  BOOST_TEST(r.error.rfind("line 1:22: setting 'counter.step' expects an "
                           "integer from 1 to 100, got '0'\n",
                           0) == 0,
             r.error);
  r = Run("SET 'counter.stpe' = '2';");
  BOOST_TEST(r.error.rfind("line 1:5: unknown setting 'counter.stpe'; did "
                           "you mean 'counter.step'?\n",
                           0) == 0,
             r.error);
}

BOOST_FIXTURE_TEST_CASE(explain_shows_the_connector, Fixture) {
  BOOST_REQUIRE_EQUAL(
      Run("CREATE STREAM c (n BIGINT, s BIGINT METADATA FROM 'split') WITH "
          "(connector = 'counter', rows = '4', start = '100');")
          .error,
      "");
  Result r = Run("EXPLAIN SELECT n FROM c WHERE n > 101 EMIT CHANGES;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_TEST(r.text.find("-> Scan c [stream, counter rows=4 start=100]\n") !=
                 std::string::npos,
             r.text);
  BOOST_TEST(r.text.find("Physical plan: one source task per core (SET "
                         "'parallelism' to choose), each reading one split "
                         "of c, on the worker pool: Source c -> Filter -> "
                         "Project -> client queue") != std::string::npos,
             r.text);
  r = Run(
      "EXPLAIN CREATE STREAM e (n BIGINT) WITH (connector = 'counter', rows "
      "= '2');");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_TEST(r.text.rfind("-> Source e [stream, counter]\n", 0) == 0, r.text);
  BOOST_TEST(
      r.text.find("options: connector=counter rows=2") != std::string::npos,
      r.text);
}

BOOST_FIXTURE_TEST_CASE(insert_writes_through_the_connectors_sink, Fixture) {
  BOOST_REQUIRE_EQUAL(
      Run("CREATE STREAM c (n BIGINT, s BIGINT METADATA FROM 'split') WITH "
          "(connector = 'counter', rows = '5');")
          .error,
      "");
  Result r = Run("INSERT INTO c VALUES (7, 0), (8 * 2, 1);");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_TEST(r.messages == "Inserted 2 rows into 'c'.");
  // INSERT ... SELECT runs as a persistent query into the same sink.
  r = Run("INSERT INTO c SELECT n + 100, s FROM c;");
  BOOST_REQUIRE_EQUAL(r.error, "");
  BOOST_TEST(r.messages ==
             "Started query q1, writing to stream 'c' (collected).");
  BOOST_REQUIRE(session_->WaitForQueries(nullptr).ok());
  std::multiset<int64_t> got;
  {
    std::lock_guard lock(log_->mu);
    got.insert(log_->written.begin(), log_->written.end());
  }
  // 7 and 16, then 100 + i for the five rows i of c.
  BOOST_TEST((got == std::multiset<int64_t>{7, 16, 100, 101, 102, 103, 104}));
}

BOOST_FIXTURE_TEST_CASE(the_state_outlives_the_queries_of_its_session,
                        Fixture) {
  // rows = 0: a stream that never ends, so the query is still running (and
  // its sinks open) when the session goes away.
  BOOST_REQUIRE_EQUAL(Run("CREATE STREAM idle (n BIGINT) WITH (connector = "
                          "'counter', rows = '0');"
                          "CREATE STREAM c (n BIGINT) WITH (connector = "
                          "'counter', rows = '1');")
                          .error,
                      "");
  BOOST_REQUIRE_EQUAL(Run("INSERT INTO c SELECT n FROM idle;").error, "");
  BOOST_REQUIRE(session_->ActiveQueries().size() == 1u);
  session_.reset();
  std::lock_guard lock(log_->mu);
  BOOST_REQUIRE(!log_->events.empty());
  BOOST_TEST(log_->events.back() == "state destroyed");
  BOOST_TEST(
      std::count(log_->events.begin(), log_->events.end(), "sink closed") >= 1);
}

}  // namespace
}  // namespace weir

// Windows (TUMBLE, HOP, CUMULATE) end to end. Every expected value comes
// from a plain computation in this file, never from the engine's output:
//   - window assignment against a brute-force search over candidate
//     windows;
//   - windowed aggregates over a bounded nexmark stream (3 tasks, both
//     emit modes, a tiny and a large state cache) against a fold over the
//     same generated bids;
//   - out-of-order and late rows, with and without ALLOWED LATENESS,
//     against a fold that replays the watermark the source produces;
//   - window state freed once the watermark passes, and closing windows
//     emitted within the output budget, on the operators directly.
#define BOOST_TEST_MODULE window_test
#include "engine/exec/window.h"

#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "connectors/generators/nexmark.h"
#include "connectors/registry.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/aggregate.h"
#include "engine/exec/operators.h"
#include "engine/exec/query.h"
#include "engine/exec/watermark.h"
#include "engine/session/session.h"
#include "storage/key_codec.h"
#include "storage/state_store.h"
#include "tests/unit/plan_test_util.h"

using namespace weir;
using std::chrono::milliseconds;
using types::ChangeKind;
namespace gen = weir::connectors::generators;

namespace {

constexpr int64_t kSecond = 1000000;

// ------------------------------------------------- a reference assigner

/// The windows of `ts` found by trying every candidate start near it:
/// TUMBLE and CUMULATE starts are offset + k * size, HOP starts offset +
/// k * slide; a window is kept when it holds ts. Sorted by end.
std::vector<exec::WindowBounds> BruteForceWindows(sql::WindowFn fn,
                                                  int64_t size, int64_t slide,
                                                  int64_t offset, int64_t ts) {
  std::vector<exec::WindowBounds> out;
  const int64_t unit = fn == sql::WindowFn::kHop ? slide : size;
  const int64_t k0 = ts / unit;
  for (int64_t k = k0 - size / unit - 3; k <= k0 + 3; ++k) {
    const int64_t start = offset + k * unit;
    if (fn == sql::WindowFn::kCumulate) {
      for (int64_t end = start + slide; end <= start + size; end += slide) {
        if (start <= ts && ts < end) out.push_back({start, end});
      }
    } else if (start <= ts && ts < start + size) {
      out.push_back({start, start + size});
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.end, a.start) < std::tie(b.end, b.start);
  });
  return out;
}

// ------------------------------------------------ changelog folding

using Row = std::vector<std::string>;
/// Rows keyed by their first `key_columns` cells.
using Table = std::map<Row, Row>;

/// Applies one change of a changelog to `table`; fails the test on a
/// change that does not fit (a +I of a present key, a retraction that is
/// not the key's current row).
void ApplyChange(const std::string& op, const Row& row, size_t key_columns,
                 Table* table) {
  const Row key(row.begin(), row.begin() + static_cast<long>(key_columns));
  auto it = table->find(key);
  if (op == "+I" || op == "+U") {
    BOOST_TEST_REQUIRE((it == table->end()), "an insert of a present key");
    (*table)[key] = row;
  } else {
    BOOST_TEST_REQUIRE((it != table->end()), "a retraction of an absent key");
    BOOST_TEST_REQUIRE((it->second == row), "a retraction of another row");
    table->erase(it);
  }
}

std::string Ts(int64_t micros, int precision) {
  return types::Value::Timestamp(micros, precision).ToString();
}

// --------------------------------------------------- nexmark windows

struct WindowCase {
  const char* name;
  sql::WindowFn fn;
  const char* table_function;  // with {} for the stream
  int64_t size, slide;
};

const WindowCase kCases[] = {
    {"tumble", sql::WindowFn::kTumble,
     "TUMBLE(bids, date_time, INTERVAL '0.001' SECOND)", 1000, 0},
    {"hop", sql::WindowFn::kHop,
     "HOP(TABLE bids, DESCRIPTOR(date_time), INTERVAL '0.0005' SECOND, "
     "INTERVAL '0.002' SECOND)",
     2000, 500},
    {"cumulate", sql::WindowFn::kCumulate,
     "CUMULATE(TABLE bids, DESCRIPTOR(date_time), INTERVAL '0.001' SECOND, "
     "INTERVAL '0.004' SECOND)",
     4000, 1000},
};

constexpr int64_t kNexmarkEvents = 20000;

/// window_start, window_end, auction % 7, COUNT(*), SUM(price),
/// MAX(price) of the first kNexmarkEvents events' bids, folded per window
/// from one unsplit generator.
Table NexmarkExpected(const WindowCase& c) {
  auto schema = std::make_shared<types::Schema>();
  schema->Add({"auction", types::LogicalType::Bigint(), false});
  schema->Add({"price", types::LogicalType::Bigint(), false});
  schema->Add({"date_time", types::LogicalType::TimestampOrDie(6), false});
  gen::NexmarkOptions nexmark;
  nexmark.max_events = kNexmarkEvents;
  nexmark.events_per_second = 1000000;
  auto g =
      gen::NexmarkGenerator::Create(gen::NexmarkTable::kBid, nexmark, schema);
  BOOST_REQUIRE(g.ok());
  struct Acc {
    int64_t n = 0, sum = 0, max = INT64_MIN;
  };
  std::map<std::tuple<int64_t, int64_t, int64_t>, Acc> acc;
  const int64_t offset = 0;
  while (true) {
    types::Batch batch(schema);
    if ((*g)->Next(&batch, 1000) == 0) break;
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      const int64_t auction = batch.column(0).ints()[r];
      const int64_t price = batch.column(1).ints()[r];
      const int64_t ts = batch.column(2).ints()[r];
      for (const auto& w :
           BruteForceWindows(c.fn, c.size, c.slide, offset, ts)) {
        Acc& a = acc[{w.start, w.end, auction % 7}];
        ++a.n;
        a.sum += price;
        a.max = std::max(a.max, price);
      }
    }
  }
  Table out;
  for (const auto& [key, a] : acc) {
    const auto& [start, end, k] = key;
    Row row{Ts(start, 6), Ts(end, 6), std::to_string(k)};
    out[row] = {row[0],
                row[1],
                row[2],
                std::to_string(a.n),
                std::to_string(a.sum),
                std::to_string(a.max)};
  }
  return out;
}

/// Runs the windowed query of `c` through a session and folds its output.
/// Checks that EMIT ON WINDOW CLOSE gives +I rows only, one per window
/// and group.
Table RunNexmark(const WindowCase& c, bool on_close, const char* cache) {
  auto s = Session::Create({.connect_to_sources = false,
                            .connectors = connectors::BuiltinConnectors()});
  BOOST_REQUIRE(s.ok());
  const std::string sql =
      std::string(
          "CREATE STREAM bids (auction BIGINT NOT NULL, price BIGINT NOT "
          "NULL, date_time TIMESTAMP(6) NOT NULL, WATERMARK FOR date_time AS "
          "date_time - INTERVAL '0.0003' SECOND) WITH (connector = "
          "'nexmark', table = 'bid', max-events = ") +
      std::to_string(kNexmarkEvents) +
      ", events-per-second = 1000000); SET 'parallelism' = '3'; SET "
      "'state.cache-size' = '" +
      cache +
      "'; SELECT window_start, window_end, auction % 7 AS a, COUNT(*) AS n, "
      "SUM(price) AS s, MAX(price) AS hi FROM " +
      c.table_function + " GROUP BY window_start, window_end, auction % 7 " +
      (on_close ? "EMIT ON WINDOW CLOSE;" : "EMIT CHANGES;");
  std::vector<std::string> columns;
  std::vector<Row> rows;
  absl::Status st = (*s)->ExecuteScript(sql, [&](const StatementResult& r) {
    if (!r.columns.empty()) {
      columns = r.columns;
      rows = r.rows;
    }
  });
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  const bool has_op = !columns.empty() && columns[0] == "op";
  BOOST_TEST(has_op == !on_close, "an op column only for a changelog");
  Table table;
  for (const Row& r : rows) {
    const std::string op = has_op ? r[0] : "+I";
    const Row row(r.begin() + (has_op ? 1 : 0), r.end());
    BOOST_REQUIRE_EQUAL(row.size(), 6u);
    if (on_close) {
      BOOST_TEST_REQUIRE(!table.count({row[0], row[1], row[2]}),
                         "a second final row of a window");
    }
    ApplyChange(op, row, 3, &table);
  }
  return table;
}

// ------------------------------------- hand-made out-of-order input

/// One input row: event time in whole seconds (nullopt: NULL), key, value.
struct Event {
  std::optional<int64_t> ts;
  int64_t k;
  int64_t v;
  ChangeKind kind = ChangeKind::kInsert;
};

/// Emits one event per Next, so the source task's watermark moves after
/// every row: max event time so far minus the delay.
class EventSource : public exec::Source {
 public:
  explicit EventSource(std::shared_ptr<const std::vector<Event>> events)
      : events_(std::move(events)) {}
  absl::StatusOr<size_t> Next(types::Batch* out, size_t) override {
    if (pos_ >= events_->size()) return 0;
    const Event& e = (*events_)[pos_++];
    out->AppendRow(
        {e.ts ? types::Value::Timestamp(*e.ts * kSecond, 3)
              : types::Value::Null(types::LogicalType::TimestampOrDie(3)),
         types::Value::Bigint(e.k), types::Value::Bigint(e.v)},
        e.kind);
    return 1;
  }
  bool finished() const override { return pos_ >= events_->size(); }

 private:
  std::shared_ptr<const std::vector<Event>> events_;
  size_t pos_ = 0;
};

constexpr int64_t kDelaySeconds = 2;

std::unique_ptr<catalog::Catalog> EventCatalog(bool append_only = true) {
  auto catalog = catalog::NewInMemoryCatalog();
  catalog::Entry entry;
  entry.name = "t";
  entry.kind = catalog::EntryKind::kStream;
  entry.connector = "test";
  entry.schema.Add({"ts", types::LogicalType::TimestampOrDie(3), true});
  entry.schema.Add({"k", types::LogicalType::Bigint(), false});
  entry.schema.Add({"v", types::LogicalType::Bigint(), false});
  entry.watermark = catalog::WatermarkInfo{0, "ts - INTERVAL '2' SECOND",
                                           kDelaySeconds * kSecond};
  entry.append_only = append_only;
  BOOST_REQUIRE(catalog->Create(entry, false).ok());
  return catalog;
}

/// Out of order within the 2 s delay, late by up to 5 s, late beyond
/// that, and a NULL time.
const std::vector<Event> kEvents = {
    {1, 1, 10},   {5, 2, 20},           {3, 1, 30},   {12, 1, 40},
    {9, 2, 50},   {14, 1, 60},          {21, 2, 70},  {8, 1, 80},
    {18, 2, 90},  {std::nullopt, 1, 5}, {30, 1, 100}, {19, 1, 110},
    {25, 2, 120}, {27, 2, 130},         {11, 2, 140},
};

/// TUMBLE 10 s per k (window_start, window_end, k, COUNT(*), SUM(v)) with
/// `lateness` seconds of ALLOWED LATENESS, replaying the watermark: after
/// each row it is the largest time so far minus the delay, and a row whose
/// window ends at or before watermark - lateness is late.
std::pair<Table, int64_t> LateExpected(int64_t lateness) {
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::pair<int64_t, int64_t>>
      acc;
  std::optional<int64_t> max_ts;
  int64_t late = 0;
  for (const Event& e : kEvents) {
    if (!e.ts) {
      ++late;
      continue;
    }
    const int64_t start = *e.ts / 10 * 10;
    const int64_t end = start + 10;
    if (max_ts && end + lateness <= *max_ts - kDelaySeconds) {
      ++late;
    } else {
      auto& a = acc[{start, end, e.k}];
      ++a.first;
      a.second += e.v;
    }
    max_ts = std::max(max_ts.value_or(*e.ts), *e.ts);
  }
  Table out;
  for (const auto& [key, a] : acc) {
    const auto& [start, end, k] = key;
    Row row{Ts(start * kSecond, 3), Ts(end * kSecond, 3), std::to_string(k)};
    out[row] = {row[0], row[1], row[2], std::to_string(a.first),
                std::to_string(a.second)};
  }
  return {out, late};
}

struct LateRun {
  Table table;
  int64_t late_rows = 0;
  size_t retractions = 0;
};

LateRun RunLate(const std::string& sql, bool on_close,
                const std::vector<Event>* changelog = nullptr,
                const std::vector<Event>* appends = nullptr,
                size_t batch_rows = 1024) {
  auto catalog = EventCatalog(changelog == nullptr);
  auto plan = test::BindPlan(*catalog, sql);
  auto events = std::make_shared<const std::vector<Event>>(
      changelog ? *changelog : appends ? *appends : kEvents);
  exec::SourceProvider provider =
      [events](const catalog::Entry&, std::shared_ptr<const types::Schema>, int,
               int) -> absl::StatusOr<std::unique_ptr<exec::Source>> {
    return std::unique_ptr<exec::Source>(new EventSource(events));
  };
  exec::Executor pool(2);
  exec::QueryOptions options;
  options.parallelism = 1;
  options.executor = &pool;
  options.idle_timeout = milliseconds(0);
  options.batch_rows = batch_rows;
  auto q = exec::RunningQuery::Start(plan, *catalog, provider, options);
  BOOST_REQUIRE_MESSAGE(q.ok(), q.status().message());
  LateRun run;
  while (!(*q)->finished()) {
    auto batch = (*q)->Next(milliseconds(100));
    BOOST_REQUIRE_MESSAGE(batch.ok(), batch.status().message());
    if (!*batch) continue;
    const types::Batch& b = **batch;
    const auto rows = b.ToRows();
    for (size_t i = 0; i < rows.size(); ++i) {
      const size_t phys = b.has_selection() ? b.selection()[i] : i;
      Row row;
      for (const auto& v : rows[i]) row.push_back(v.ToString());
      const ChangeKind kind = b.change(phys);
      if (on_close) BOOST_TEST((kind == ChangeKind::kInsert));
      if (kind == ChangeKind::kUpdateBefore) ++run.retractions;
      ApplyChange(types::ChangeKindSymbol(kind), row, 3, &run.table);
    }
  }
  BOOST_REQUIRE_MESSAGE((*q)->status().ok(), (*q)->status().message());
  run.late_rows = (*q)->stats().late_rows;
  return run;
}

// ------------------------------------------- operators driven by hand

/// Collects what reaches the end of a chain.
class Collector : public exec::Operator {
 public:
  absl::Status AddInput(types::Batch batch) override {
    largest = std::max(largest, batch.num_selected());
    for (auto& r : batch.ToRows()) rows.push_back(std::move(r));
    return absl::OkStatus();
  }
  absl::Status OnWatermark(int64_t micros) override {
    watermarks.push_back(micros);
    rows_before_watermark.push_back(rows.size());
    return absl::OkStatus();
  }
  std::vector<std::vector<types::Value>> rows;
  std::vector<int64_t> watermarks;
  std::vector<size_t> rows_before_watermark;
  size_t largest = 0;
};

/// A windowed query's window, input projection and aggregate operators
/// over their own store, fed by hand.
struct Chain {
  std::shared_ptr<exec::QueryStateDir> dir;
  storage::StateStore* store = nullptr;
  std::vector<std::unique_ptr<exec::Operator>> ops;
  Collector* out = nullptr;
  exec::Operator* aggregate = nullptr;
  storage::OperatorId op = 7;
  std::atomic<int64_t> late{0};
  sql::PlanPtr plan;
  std::shared_ptr<const types::Schema> input;

  void Build(const catalog::Catalog& catalog, const std::string& sql,
             size_t budget) {
    plan = test::BindPlan(catalog, sql);
    const sql::WindowNode* window = nullptr;
    const sql::AggregateNode* agg = nullptr;
    sql::ForEachNode(plan, [&](const sql::PlanNode& n) {
      if (n.kind == sql::PlanKind::kWindow)
        window = static_cast<const sql::WindowNode*>(&n);
      if (n.kind == sql::PlanKind::kAggregate)
        agg = static_cast<const sql::AggregateNode*>(&n);
    });
    BOOST_REQUIRE(window && agg);
    input = std::make_shared<types::Schema>(window->inputs[0]->schema);
    auto compiled = exec::CompileAggregate(*agg);
    BOOST_REQUIRE(compiled.ok());
    auto d = exec::QueryStateDir::Open("");
    BOOST_REQUIRE(d.ok());
    dir = *d;
    exec::AggregateStore s;
    s.dir = dir;
    s.op = op;
    s.late_rows = &late;
    storage::StoreOptions options;
    options.cache_bytes = 1024;  // mostly in RocksDB
    auto opened = dir->backend().OpenStore("window-test", options);
    BOOST_REQUIRE(opened.ok());
    s.store = std::move(*opened);
    store = s.store.get();
    ops.push_back(
        exec::MakeWindowOperator(*window, agg->allowed_lateness_micros,
                                 exec::LateRowOutput::CountOnly(&late)));
    ops.push_back(exec::MakeAggregateInputOperator(
        *compiled, [](const expr::CompiledExpr&, const types::Batch&, size_t,
                      const absl::Status& st) { return st; }));
    ops.push_back(exec::MakeAggregateOperator(*compiled, std::move(s)));
    aggregate = ops.back().get();
    auto collector = std::make_unique<Collector>();
    out = collector.get();
    ops.push_back(std::move(collector));
    exec::Link(ops);
    for (auto& o : ops) o->set_output_budget(budget);
  }

  void Add(const std::vector<Event>& events) {
    types::Batch batch(input);
    for (const Event& e : events) {
      batch.AppendRow({types::Value::Timestamp(*e.ts * kSecond, 3),
                       types::Value::Bigint(e.k), types::Value::Bigint(e.v)});
    }
    BOOST_REQUIRE(ops.front()->AddInput(std::move(batch)).ok());
    Drain();
  }
  void Watermark(int64_t micros) {
    BOOST_REQUIRE(ops.front()->OnWatermark(micros).ok());
    Drain();
  }
  /// Steps the chain as a task does: the most downstream operator that
  /// owes output goes on, until none owes any.
  void Drain() {
    while (true) {
      exec::Operator* owing = nullptr;
      for (auto& o : ops) {
        if (o->HasPendingOutput()) owing = o.get();
      }
      if (owing == nullptr) return;
      BOOST_REQUIRE(owing->ContinueOutput().ok());
    }
  }
  /// The window ends of the aggregate's entries in the store.
  std::vector<int64_t> StoredWindowEnds() {
    std::vector<int64_t> ends;
    storage::StateStore::Scanner scanner;
    BOOST_REQUIRE(store->Seek(storage::KeyRange{"", ""}, &scanner).ok());
    for (; scanner.Valid(); scanner.Next()) {
      std::string_view key = scanner.key();
      auto prefix = storage::DecodeKeyPrefix(&key);
      BOOST_REQUIRE(prefix.ok());
      BOOST_REQUIRE_EQUAL(prefix->op, op);
      auto end = storage::DecodeTime(&key);
      BOOST_REQUIRE(end.ok());
      ends.push_back(*end);
    }
    BOOST_REQUIRE(scanner.status().ok());
    return ends;
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(window_assignment_matches_a_brute_force_search) {
  std::mt19937_64 rng(11);
  struct Shape {
    sql::WindowFn fn;
    int64_t size, slide;
  };
  const Shape shapes[] = {
      {sql::WindowFn::kTumble, 10, 0},   {sql::WindowFn::kTumble, 7, 0},
      {sql::WindowFn::kHop, 12, 4},      {sql::WindowFn::kHop, 5, 5},
      {sql::WindowFn::kCumulate, 12, 3}, {sql::WindowFn::kCumulate, 6, 6}};
  for (const Shape& shape : shapes) {
    for (int64_t offset : {int64_t{0}, int64_t{2}, int64_t{-1}}) {
      sql::WindowNode node;
      node.fn = shape.fn;
      node.size_micros = shape.size;
      node.slide_micros = shape.slide;
      node.offset_micros = offset;
      for (int i = 0; i < 300; ++i) {
        const int64_t ts = static_cast<int64_t>(rng() % 200) - 100;
        std::vector<exec::WindowBounds> got;
        BOOST_REQUIRE(exec::AssignWindows(node, ts, &got));
        const auto want =
            BruteForceWindows(shape.fn, shape.size, shape.slide, offset, ts);
        BOOST_TEST((got == want), "fn " << static_cast<int>(shape.fn)
                                        << " offset " << offset << " ts "
                                        << ts);
      }
    }
  }
  // A window end beyond 64 bits assigns nothing.
  sql::WindowNode node;
  node.fn = sql::WindowFn::kTumble;
  node.size_micros = INT64_MAX / 2;
  std::vector<exec::WindowBounds> got;
  BOOST_TEST(!exec::AssignWindows(node, INT64_MAX - 1, &got));
  BOOST_TEST(got.empty());
}

BOOST_AUTO_TEST_CASE(nexmark_windows_in_both_emit_modes_match_a_fold) {
  for (const WindowCase& c : kCases) {
    const Table expected = NexmarkExpected(c);
    BOOST_REQUIRE(expected.size() > 20u);
    for (bool on_close : {false, true}) {
      for (const char* cache : {"1KB", "64MB"}) {
        const Table got = RunNexmark(c, on_close, cache);
        BOOST_TEST((got == expected), c.name << (on_close ? " on close" : "")
                                             << " cache " << cache);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(late_rows_are_dropped_and_counted) {
  const std::string base =
      "SELECT window_start, window_end, k, COUNT(*) AS n, SUM(v) AS s FROM "
      "TUMBLE(t, ts, INTERVAL '10' SECOND) GROUP BY window_start, "
      "window_end, k ";
  for (int64_t lateness : {0, 5}) {
    const auto [expected, late] = LateExpected(lateness);
    const std::string allowed =
        lateness ? " ALLOWED LATENESS INTERVAL '5' SECOND" : "";
    for (bool on_close : {false, true}) {
      LateRun run = RunLate(
          base + (on_close ? "EMIT ON WINDOW CLOSE" : "EMIT CHANGES") + allowed,
          on_close);
      BOOST_TEST((run.table == expected),
                 "lateness " << lateness << (on_close ? " on close" : ""));
      BOOST_TEST(run.late_rows == late,
                 "lateness " << lateness << (on_close ? " on close" : ""));
      // Rows within the lateness updated windows that had rows already:
      // in the default mode a -U and a new +U.
      if (!on_close) BOOST_TEST(run.retractions > 0u);
    }
  }
  // The fold agrees the input has late rows of both kinds: more with no
  // lateness than with 5 s of it, and the NULL time in both.
  BOOST_TEST(LateExpected(0).second > LateExpected(5).second);
  BOOST_TEST(LateExpected(5).second > 1);
}

BOOST_AUTO_TEST_CASE(hop_windows_close_while_the_source_task_owes_rows) {
  // A budget of one row: the HOP operator owes its second copy of every
  // row, so the source task's chain owes output after each row. The
  // watermark must still go on (before the next row is read), or no window
  // would close before the end of input and the late row at 3 s would be
  // counted: at 20 s the watermark is 18 s (2 s of delay), which closes
  // both windows of 3 s, [-5, 5) and [0, 10).
  const std::vector<Event> events = {{1, 1, 10}, {20, 1, 20}, {3, 1, 30}};
  for (bool on_close : {false, true}) {
    LateRun run = RunLate(
        std::string("SELECT window_start, window_end, k, COUNT(*) AS n, "
                    "SUM(v) AS s FROM HOP(t, ts, INTERVAL '5' SECOND, "
                    "INTERVAL '10' SECOND) GROUP BY window_start, "
                    "window_end, k ") +
            (on_close ? "EMIT ON WINDOW CLOSE" : "EMIT CHANGES"),
        on_close, nullptr, &events, 1);
    BOOST_TEST(run.late_rows == 1, (on_close ? "on close" : "changes"));
    // The windows of 1 s and 20 s, one row each; none has the late row.
    BOOST_TEST(run.table.size() == 4u);
    for (const auto& [key, value] : run.table) {
      BOOST_TEST(value[3] == "1");    // n
      BOOST_TEST(value[4] != "30");   // s: not the late row's v
    }
  }
}

BOOST_AUTO_TEST_CASE(window_state_is_freed_as_the_watermark_passes) {
  auto catalog = EventCatalog();
  for (bool on_close : {false, true}) {
    Chain chain;
    chain.Build(*catalog,
                std::string("SELECT window_start, window_end, k, COUNT(*) AS "
                            "n FROM TUMBLE(t, ts, INTERVAL '10' SECOND) "
                            "GROUP BY window_start, window_end, k ") +
                    (on_close ? "EMIT ON WINDOW CLOSE" : "EMIT CHANGES"),
                1024);
    chain.Add({{1, 1, 0}, {2, 2, 0}, {12, 1, 0}, {25, 3, 0}});
    std::multiset<int64_t> ends;
    for (int64_t e : chain.StoredWindowEnds()) ends.insert(e);
    BOOST_TEST(ends == (std::multiset<int64_t>{10 * kSecond, 10 * kSecond,
                                               20 * kSecond, 30 * kSecond}));
    // The watermark reaches 20 s: windows [0, 10) and [10, 20) close.
    chain.Watermark(20 * kSecond);
    BOOST_TEST(chain.StoredWindowEnds() == std::vector<int64_t>{30 * kSecond});
    // A row for a closed window is late: dropped, counted, no state.
    chain.Add({{15, 1, 0}});
    BOOST_TEST(chain.late.load() == 1);
    BOOST_TEST(chain.StoredWindowEnds() == std::vector<int64_t>{30 * kSecond});
    chain.Watermark(exec::kEndOfTime);
    BOOST_TEST(chain.StoredWindowEnds().empty());
    // Default mode: 4 +I as the rows came; on close: 4 final rows, the
    // first three before the watermark of 20 s went on.
    BOOST_TEST(chain.out->rows.size() == 4u);
    BOOST_REQUIRE_EQUAL(chain.out->watermarks.size(), 2u);
    BOOST_TEST(chain.out->watermarks[0] == 20 * kSecond);
    BOOST_TEST(chain.out->rows_before_watermark[0] == (on_close ? 3u : 4u));
  }
}

BOOST_AUTO_TEST_CASE(closing_windows_are_emitted_within_the_output_budget) {
  auto catalog = EventCatalog();
  Chain chain;
  chain.Build(*catalog,
              "SELECT window_start, window_end, k, SUM(v) AS s FROM "
              "HOP(t, ts, INTERVAL '5' SECOND, INTERVAL '10' SECOND) "
              "GROUP BY window_start, window_end, k EMIT ON WINDOW CLOSE "
              "ALLOWED LATENESS INTERVAL '3' SECOND",
              3);
  // 40 keys at 7 s: windows [0, 10) and [5, 15) each.
  std::vector<Event> events;
  for (int64_t k = 0; k < 40; ++k) events.push_back({7, k, k});
  for (size_t i = 0; i < events.size(); i += 3) {
    const size_t end = std::min(i + 3, events.size());
    chain.Add(std::vector<Event>(events.begin() + static_cast<long>(i),
                                 events.begin() + static_cast<long>(end)));
  }
  BOOST_TEST(chain.out->rows.empty());
  // 12 s: [0, 10) is still open for 3 s of lateness.
  chain.Watermark(12 * kSecond);
  BOOST_TEST(chain.out->rows.empty());
  BOOST_TEST(chain.out->watermarks.back() == 9 * kSecond);
  // 13 s closes [0, 10): 40 rows in batches of at most 3, then the
  // watermark (shifted by the lateness).
  BOOST_REQUIRE(chain.ops.front()->OnWatermark(13 * kSecond).ok());
  BOOST_TEST(chain.aggregate->HasPendingOutput());
  chain.Drain();
  BOOST_TEST(chain.out->rows.size() == 40u);
  BOOST_TEST(chain.out->largest <= 3u);
  BOOST_TEST(chain.out->watermarks.back() == 10 * kSecond);
  BOOST_TEST(chain.out->rows_before_watermark.back() == 40u);
  std::set<int64_t> keys;
  for (const auto& row : chain.out->rows) {
    BOOST_TEST(row[0].integer() == 0);
    BOOST_TEST(row[1].integer() == 10 * kSecond);
    BOOST_TEST(row[3].ToString() == row[2].ToString());
    keys.insert(row[2].integer());
  }
  BOOST_TEST(keys.size() == 40u);
  chain.Watermark(exec::kEndOfTime);
  BOOST_TEST(chain.out->rows.size() == 80u);
  BOOST_TEST(chain.StoredWindowEnds().empty());
}

BOOST_AUTO_TEST_CASE(a_changelog_input_retracts_within_its_windows) {
  // Inserts, updates (-U old, +U new) and deletes, in time order, at
  // random: the windows' final results are those of the rows left.
  std::mt19937 rng(5);
  std::vector<Event> changes;
  std::vector<Event> live;
  for (int i = 0; i < 600; ++i) {
    const int64_t ts = i / 10;  // 10 changes per second, in order
    const uint32_t dice = rng() % 10;
    // Only rows of windows still open change: the window must end after
    // the watermark (the largest time so far minus the delay), else the
    // retraction would be late.
    std::vector<size_t> open;
    for (size_t j = 0; j < live.size(); ++j) {
      if (*live[j].ts / 10 * 10 + 10 > ts - kDelaySeconds) open.push_back(j);
    }
    if (open.empty() || dice < 5) {
      Event e{ts, static_cast<int64_t>(rng() % 4),
              static_cast<int64_t>(rng() % 100)};
      changes.push_back(e);
      live.push_back(e);
      continue;
    }
    const size_t at = open[rng() % open.size()];
    Event old = live[at];
    old.kind = dice < 8 ? ChangeKind::kUpdateBefore : ChangeKind::kDelete;
    changes.push_back(old);
    if (dice < 8) {
      Event now = live[at];
      now.v = static_cast<int64_t>(rng() % 100);
      now.kind = ChangeKind::kUpdateAfter;
      changes.push_back(now);
      live[at].v = now.v;
    } else {
      live.erase(live.begin() + static_cast<long>(at));
    }
  }
  std::map<std::tuple<int64_t, int64_t, int64_t>, std::pair<int64_t, int64_t>>
      acc;
  for (const Event& e : live) {
    auto& a = acc[{*e.ts / 10 * 10, *e.ts / 10 * 10 + 10, e.k}];
    ++a.first;
    a.second += e.v;
  }
  Table expected;
  for (const auto& [key, a] : acc) {
    const auto& [start, end, k] = key;
    Row row{Ts(start * kSecond, 3), Ts(end * kSecond, 3), std::to_string(k)};
    expected[row] = {row[0], row[1], row[2], std::to_string(a.first),
                     std::to_string(a.second)};
  }
  BOOST_REQUIRE(expected.size() > 15u);  // 6 windows, 4 keys
  const std::string base =
      "SELECT window_start, window_end, k, COUNT(*) AS n, SUM(v) AS s FROM "
      "TUMBLE(t, ts, INTERVAL '10' SECOND) GROUP BY window_start, "
      "window_end, k ";
  for (bool on_close : {false, true}) {
    LateRun run =
        RunLate(base + (on_close ? "EMIT ON WINDOW CLOSE" : "EMIT CHANGES"),
                on_close, &changes);
    BOOST_TEST((run.table == expected), (on_close ? "on close" : "updates"));
    BOOST_TEST(run.late_rows == 0);
  }
}

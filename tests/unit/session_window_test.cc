// SESSION windows (engine/exec/session_window.h).
//
// First the session operator alone, behind its input projection, fed
// batch by batch with explicit watermarks: merge cases worked out by hand
// (a row extends a session, a row inside keeps its bounds, a row bridges
// two, rows exactly `gap` apart stay apart, out-of-order rows within the
// watermark, two keys interleaved, late rows dropped and counted), in both
// emit modes, and the per-step output budget. Then whole queries through
// the runtime (planner, exchange, several tasks, RocksDB state) over
// random out-of-order input and over the nexmark generator (bids per
// bidder session, through the shell's Session), compared with a plain fold
// written here: sort each key's rows by time and cut where two rows are
// `gap` or more apart.
#define BOOST_TEST_MODULE session_window_test
#include "engine/exec/session_window.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "connectors/generators/nexmark.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/physical_plan.h"
#include "engine/exec/query.h"
#include "engine/exec/watermark.h"
#include "fmt/format.h"
#include "tests/unit/plan_test_util.h"

using namespace weir;
using std::chrono::milliseconds;
using types::ChangeKind;

namespace {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kNullTime = INT64_MIN;

/// Stream t (k BIGINT, v BIGINT, ts TIMESTAMP(3)) with a watermark of
/// ts - `delay_seconds`.
std::unique_ptr<catalog::Catalog> StreamCatalog(int64_t delay_seconds) {
  auto catalog = catalog::NewInMemoryCatalog();
  catalog::Entry entry;
  entry.name = "t";
  entry.kind = catalog::EntryKind::kStream;
  entry.connector = "test";
  entry.schema.Add({"k", types::LogicalType::Bigint(), false});
  entry.schema.Add({"v", types::LogicalType::Bigint(), false});
  entry.schema.Add({"ts", types::LogicalType::TimestampOrDie(3), true});
  entry.watermark = catalog::WatermarkInfo{
      2, fmt::format("ts - INTERVAL '{}' SECOND", delay_seconds),
      delay_seconds * kSecond};
  BOOST_REQUIRE(catalog->Create(entry, false).ok());
  return catalog;
}

std::string Query(const std::string& tail) {
  return "SELECT k, window_start, window_end, COUNT(*) AS n, SUM(v) AS s "
         "FROM SESSION(t, ts, INTERVAL '10' SECOND) "
         "GROUP BY k, window_start, window_end " +
         tail;
}

const sql::AggregateNode& AggregateIn(const sql::PlanPtr& plan) {
  const sql::PlanNode* node = plan.get();
  while (node->kind != sql::PlanKind::kAggregate) node = node->inputs[0].get();
  return static_cast<const sql::AggregateNode&>(*node);
}

/// Records what reaches it: one line per row ("+I 1 [0,10) 1 1": key,
/// session bounds in seconds, COUNT, SUM), "wm <seconds>" per watermark,
/// and the size of each batch.
class Capture : public exec::Operator {
 public:
  absl::Status AddInput(types::Batch batch) override {
    batch_sizes.push_back(batch.num_selected());
    const auto rows = batch.ToRows();
    for (size_t i = 0; i < rows.size(); ++i) {
      const size_t phys = batch.has_selection() ? batch.selection()[i] : i;
      const auto& r = rows[i];
      lines.push_back(fmt::format(
          "{} {} [{},{}) {} {}", types::ChangeKindSymbol(batch.change(phys)),
          r[0].integer(), r[1].integer() / kSecond, r[2].integer() / kSecond,
          r[3].integer(), r[4].integer()));
    }
    return absl::OkStatus();
  }
  absl::Status OnWatermark(int64_t micros) override {
    lines.push_back(micros == exec::kEndOfTime
                        ? std::string("wm end")
                        : fmt::format("wm {}", micros / kSecond));
    return absl::OkStatus();
  }
  std::vector<std::string> lines;
  std::vector<size_t> batch_sizes;
};

/// The session operator of `sql` over stream t, fed directly.
class Harness {
 public:
  explicit Harness(const std::string& sql, size_t budget = 1024) {
    catalog_ = StreamCatalog(1);
    plan_ = test::BindPlan(*catalog_, sql);
    auto compiled = exec::CompileSession(AggregateIn(plan_));
    BOOST_REQUIRE_MESSAGE(compiled.ok(), compiled.status().message());
    auto dir = exec::QueryStateDir::Open({});
    BOOST_REQUIRE(dir.ok());
    exec::AggregateStore store;
    store.dir = *dir;
    store.op = 7;
    auto opened = (*dir)->backend().OpenStore("session-t0");
    BOOST_REQUIRE(opened.ok());
    store.store = std::move(*opened);
    std::vector<std::unique_ptr<exec::Operator>> inputs;
    exec::MakeSessionInputOperators(*compiled, exec::DataRowError, nullptr,
                                    &inputs);
    BOOST_REQUIRE_EQUAL(inputs.size(), 1u);
    input_ = std::move(inputs[0]);
    session_ = exec::MakeSessionWindowOperator(
        *compiled, std::move(store), exec::LateRowOutput::CountOnly(&late));
    input_->set_downstream(session_.get());
    session_->set_downstream(&out);
    input_->set_output_budget(budget);
    session_->set_output_budget(budget);
  }

  /// One batch of rows (k, v, ts in seconds; kNullTime: NULL).
  void Rows(const std::vector<std::array<int64_t, 3>>& rows) {
    types::Batch batch(
        std::make_shared<types::Schema>(catalog_->Find("t")->schema));
    for (const auto& [k, v, ts] : rows) {
      batch.AppendRow(
          {types::Value::Bigint(k), types::Value::Bigint(v),
           ts == kNullTime
               ? types::Value::Null(types::LogicalType::TimestampOrDie(3))
               : types::Value::Timestamp(ts * kSecond, 3)});
    }
    Check(input_->AddInput(std::move(batch)));
  }
  void Watermark(int64_t seconds) {
    Check(input_->OnWatermark(seconds == INT64_MAX ? exec::kEndOfTime
                                                   : seconds * kSecond));
  }
  /// The lines captured since the last call.
  std::vector<std::string> Take() {
    std::vector<std::string> lines = std::move(out.lines);
    out.lines.clear();
    return lines;
  }

  Capture out;
  std::atomic<int64_t> late{0};

 private:
  /// Runs `st`'s event to the end, as a task would: ContinueOutput while
  /// output is owed.
  void Check(absl::Status st) {
    BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
    while (session_->HasPendingOutput()) {
      absl::Status more = session_->ContinueOutput();
      BOOST_REQUIRE_MESSAGE(more.ok(), more.message());
    }
  }

  std::unique_ptr<catalog::Catalog> catalog_;
  sql::PlanPtr plan_;
  std::unique_ptr<exec::Operator> input_, session_;
};

using Lines = std::vector<std::string>;

}  // namespace

// ------------------------------------------------ hand-worked, operator

BOOST_AUTO_TEST_CASE(a_row_extends_a_session_and_a_row_inside_updates_it) {
  Harness h(Query("EMIT CHANGES"));
  h.Rows({{1, 1, 0}});
  BOOST_TEST(h.Take() == Lines({"+I 1 [0,10) 1 1"}));
  // 5 < 10: the session grows to [0, 15): a new key, so -D and +I.
  h.Rows({{1, 2, 5}});
  BOOST_TEST(h.Take() == Lines({"-D 1 [0,10) 1 1", "+I 1 [0,15) 2 3"}));
  // 3 arrives late but inside: 3 + 10 <= 15, the bounds stay: -U/+U.
  h.Rows({{1, 4, 3}});
  BOOST_TEST(h.Take() == Lines({"-U 1 [0,15) 2 3", "+U 1 [0,15) 3 7"}));
  // 25 is 20 after 5: a new session.
  h.Rows({{1, 8, 25}});
  BOOST_TEST(h.Take() == Lines({"+I 1 [25,35) 1 8"}));
  // 15 is exactly `gap` after 5 and `gap` before 25: it overlaps neither
  // [0, 15) nor [25, 35), so it is a session of its own.
  h.Rows({{1, 16, 15}});
  BOOST_TEST(h.Take() == Lines({"+I 1 [15,25) 1 16"}));
  h.Watermark(INT64_MAX);
  BOOST_TEST(h.Take() == Lines({"wm end"}));
}

BOOST_AUTO_TEST_CASE(a_row_bridging_two_sessions_merges_them) {
  Harness h(Query("EMIT CHANGES"));
  h.Rows({{1, 1, 0}});
  h.Rows({{1, 2, 15}});
  BOOST_TEST(h.Take() == Lines({"+I 1 [0,10) 1 1", "+I 1 [15,25) 1 2"}));
  // 8: [8, 18) overlaps [0, 10) and [15, 25): one session [0, 25).
  h.Rows({{1, 4, 8}});
  BOOST_TEST(h.Take() ==
             Lines({"-D 1 [0,10) 1 1", "-D 1 [15,25) 1 2", "+I 1 [0,25) 3 7"}));
  // Two rows of one batch bridge [40, 50) and [60, 70) together: [45, 55)
  // overlaps the first, [54, 64) the second, and they overlap each other.
  h.Rows({{1, 1, 40}, {1, 1, 60}});
  BOOST_TEST(h.Take() == Lines({"+I 1 [40,50) 1 1", "+I 1 [60,70) 1 1"}));
  h.Rows({{1, 10, 54}, {1, 100, 45}});
  BOOST_TEST(h.Take() == Lines({"-D 1 [40,50) 1 1", "-D 1 [60,70) 1 1",
                                "+I 1 [40,70) 4 112"}));
}

BOOST_AUTO_TEST_CASE(two_keys_out_of_order_emit_on_window_close) {
  Harness h(Query("EMIT ON WINDOW CLOSE"));
  // k1: 10 then 4 (out of order): [4, 20). k2: [12, 22).
  h.Rows({{1, 1, 10}, {2, 1, 12}, {1, 2, 4}});
  h.Watermark(5);
  BOOST_TEST(h.Take() == Lines({"wm 5"}));
  // 6 >= watermark 5: not late; [6, 16) merges with k2's [12, 22).
  // k1 at 27: 27 >= 20, a new session.
  h.Rows({{2, 3, 6}, {1, 4, 27}});
  BOOST_TEST(h.Take().empty());
  // Watermark 21 passes k1's first end 20 only.
  h.Watermark(21);
  BOOST_TEST(h.Take() == Lines({"+I 1 [4,20) 2 3", "wm 21"}));
  h.Watermark(22);
  BOOST_TEST(h.Take() == Lines({"+I 2 [6,22) 2 4", "wm 22"}));
  h.Watermark(INT64_MAX);
  BOOST_TEST(h.Take() == Lines({"+I 1 [27,37) 1 4", "wm end"}));
  BOOST_TEST(h.late.load() == 0);
}

BOOST_AUTO_TEST_CASE(late_rows_are_dropped_and_counted) {
  Harness h(Query("EMIT ON WINDOW CLOSE"));
  h.Rows({{1, 1, 0}, {1, 2, 6}});
  h.Watermark(13);
  BOOST_TEST(h.Take() == Lines({"wm 13"}));  // [0, 16) is open
  // 4 < 13: late, dropped (it would have fallen into [0, 16)). 14 is not:
  // [14, 24) extends the session.
  h.Rows({{1, 100, 4}, {1, 4, 14}});
  BOOST_TEST(h.late.load() == 1);
  h.Watermark(30);
  BOOST_TEST(h.Take() == Lines({"+I 1 [0,24) 3 7", "wm 30"}));
  // After the session closed, a row at 20 is late too.
  h.Rows({{1, 8, 20}});
  BOOST_TEST(h.late.load() == 2);
  h.Watermark(INT64_MAX);
  BOOST_TEST(h.Take() == Lines({"wm end"}));
}

BOOST_AUTO_TEST_CASE(rows_without_a_time_belong_to_no_session) {
  Harness h(Query("EMIT CHANGES"));
  h.Rows({{1, 1, kNullTime}, {1, 2, 0}});
  BOOST_TEST(h.Take() == Lines({"+I 1 [0,10) 1 2"}));
  BOOST_TEST(h.late.load() == 0);  // dropped, but not late
}

BOOST_AUTO_TEST_CASE(allowed_lateness_keeps_sessions_open_longer) {
  Harness h(Query("EMIT ON WINDOW CLOSE ALLOWED LATENESS INTERVAL '5' SECOND"));
  h.Rows({{1, 1, 0}});
  // [0, 10) closes only at 10 + 5.
  h.Watermark(12);
  BOOST_TEST(h.Take() == Lines({"wm 12"}));
  // 8 is behind the watermark but not below 12 - 5 = 7: it extends the
  // session to [0, 18).
  h.Rows({{1, 2, 8}});
  BOOST_TEST(h.late.load() == 0);
  h.Watermark(30);
  BOOST_TEST(h.Take() == Lines({"+I 1 [0,18) 2 3", "wm 30"}));
  // 24 < 30 - 5: late; 25 is not, and starts a new session.
  h.Rows({{1, 4, 24}, {1, 8, 25}});
  BOOST_TEST(h.late.load() == 1);
  h.Watermark(INT64_MAX);
  BOOST_TEST(h.Take() == Lines({"+I 1 [25,35) 1 8", "wm end"}));
}

BOOST_AUTO_TEST_CASE(closing_many_sessions_keeps_to_the_output_budget) {
  Harness h(Query("EMIT ON WINDOW CLOSE"), 2);
  for (int64_t k = 0; k < 7; ++k) h.Rows({{k, k, k}});
  h.Watermark(100);
  const Lines lines = h.Take();
  BOOST_REQUIRE_EQUAL(lines.size(), 8u);
  BOOST_TEST(lines.back() == "wm 100");  // after every row it released
  std::set<std::string> rows(lines.begin(), lines.end() - 1);
  for (int64_t k = 0; k < 7; ++k) {
    BOOST_TEST(rows.count(fmt::format("+I {} [{},{}) 1 {}", k, k, k + 10, k)) ==
               1u);
  }
  for (size_t n : h.out.batch_sizes) BOOST_TEST(n <= 2u);
}

BOOST_AUTO_TEST_CASE(many_changes_of_one_batch_keep_to_the_output_budget) {
  Harness h(Query("EMIT CHANGES"), 2);
  h.Rows({{1, 1, 0}, {2, 1, 0}, {3, 1, 0}});
  // Rows at 8 and 22 bridge [0,10), [15,25) and [30,40) into one: 3 -D
  // and 1 +I for key 1, 1 +I for key 4 -- in batches of at most 2 rows.
  h.Rows({{1, 1, 15}, {1, 1, 30}});
  h.Rows({{1, 1, 8}, {1, 1, 22}, {4, 1, 0}});
  const Lines lines = h.Take();
  BOOST_TEST(lines ==
             Lines({"+I 1 [0,10) 1 1", "+I 2 [0,10) 1 1", "+I 3 [0,10) 1 1",
                    "+I 1 [15,25) 1 1", "+I 1 [30,40) 1 1", "-D 1 [0,10) 1 1",
                    "-D 1 [15,25) 1 1", "-D 1 [30,40) 1 1", "+I 1 [0,40) 5 5",
                    "+I 4 [0,10) 1 1"}));
  for (size_t n : h.out.batch_sizes) BOOST_TEST(n <= 2u);
}

// ------------------------------------------------ whole queries vs a fold

namespace {

struct Event {
  int64_t k;
  int64_t v;
  int64_t ts;  // micros
  void AppendTo(types::Batch* out) const {
    out->AppendRow({types::Value::Bigint(k), types::Value::Bigint(v),
                    types::Value::Timestamp(ts, 3)});
  }
};

/// Events of `keys` keys, times advancing by up to 3 s per event and each
/// up to 4 s behind the latest (out of order, never behind a watermark of
/// ts - 5 s, so no event is late whatever order the tasks run in).
std::vector<Event> RandomEvents(int count, int keys, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Event> out;
  int64_t now = 1767225600 * kSecond;  // 2026-01-01
  for (int i = 0; i < count; ++i) {
    now += static_cast<int64_t>(rng() % 3000) * 1000;
    const int64_t behind = static_cast<int64_t>(rng() % 4000) * 1000;
    out.push_back(Event{static_cast<int64_t>(rng() % keys),
                        static_cast<int64_t>(rng() % 100), now - behind});
  }
  return out;
}

/// (k, start, end) -> (COUNT, SUM), folded plainly: each key's events by
/// time, a new session where the next is `gap` or more after the last.
using Sessions = std::map<std::tuple<int64_t, int64_t, int64_t>,
                          std::pair<int64_t, int64_t>>;
Sessions FoldSessions(std::vector<Event> events, int64_t gap) {
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.k, a.ts) < std::tie(b.k, b.ts);
  });
  Sessions out;
  size_t i = 0;
  while (i < events.size()) {
    size_t j = i;
    int64_t n = 0, sum = 0;
    while (j < events.size() && events[j].k == events[i].k &&
           (j == i || events[j].ts - events[j - 1].ts < gap)) {
      ++n;
      sum += events[j].v;
      ++j;
    }
    out[{events[i].k, events[i].ts, events[j - 1].ts + gap}] = {n, sum};
    i = j;
  }
  return out;
}

/// Runs `sql` over `events` and folds its changelog by (k, window_start,
/// window_end), checking that each -U/-D retracts that key's current row
/// and each +I/+U finds none.
Sessions RunQuery(const std::string& sql, std::vector<Event> events,
                  exec::QueryOptions options, size_t* inserts = nullptr) {
  auto catalog = StreamCatalog(5);
  auto plan = test::BindPlan(*catalog, sql);
  // Split by key as Kafka partitions are, a few events per batch.
  exec::SourceProvider provider = test::KeySplitProvider(std::move(events), 7);
  exec::Executor pool(2);
  options.executor = &pool;
  options.idle_timeout = milliseconds(0);
  auto q = exec::RunningQuery::Start(plan, *catalog, provider, options);
  BOOST_REQUIRE_MESSAGE(q.ok(), q.status().message());
  Sessions table;
  while (!(*q)->finished()) {
    auto batch = (*q)->Next(milliseconds(100));
    BOOST_REQUIRE_MESSAGE(batch.ok(), batch.status().message());
    if (!*batch) continue;
    const types::Batch& b = **batch;
    const auto rows = b.ToRows();
    for (size_t i = 0; i < rows.size(); ++i) {
      const size_t phys = b.has_selection() ? b.selection()[i] : i;
      const auto& r = rows[i];
      const std::tuple<int64_t, int64_t, int64_t> key{
          r[0].integer(), r[1].integer(), r[2].integer()};
      const std::pair<int64_t, int64_t> value{r[3].integer(), r[4].integer()};
      const ChangeKind kind = b.change(phys);
      auto it = table.find(key);
      if (kind == ChangeKind::kInsert || kind == ChangeKind::kUpdateAfter) {
        BOOST_TEST_REQUIRE((it == table.end()), "an insert of a present row");
        table[key] = value;
        if (inserts) ++*inserts;
      } else {
        BOOST_TEST_REQUIRE((it != table.end()), "a retraction of no row");
        BOOST_TEST_REQUIRE((it->second == value),
                           "a retraction that is not the current row");
        table.erase(it);
      }
    }
  }
  BOOST_REQUIRE_MESSAGE((*q)->status().ok(), (*q)->status().message());
  return table;
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_out_of_order_input_matches_a_plain_fold) {
  const auto events = RandomEvents(6000, 6, 11);
  const Sessions expected = FoldSessions(events, 10 * kSecond);
  // Sessions both merge and stay apart in this input.
  BOOST_TEST(expected.size() > 100u);
  BOOST_TEST(expected.size() < events.size() / 2);
  for (size_t cache : {size_t{4} << 10, size_t{64} << 20}) {
    exec::QueryOptions options;
    options.parallelism = 3;
    options.batch_rows = 64;
    options.state_cache_bytes = cache;
    Sessions updates = RunQuery(Query("EMIT CHANGES"), events, options);
    BOOST_TEST((updates == expected), "updates, cache " << cache);
    size_t inserts = 0;
    Sessions closed =
        RunQuery(Query("EMIT ON WINDOW CLOSE"), events, options, &inserts);
    BOOST_TEST((closed == expected), "on window close, cache " << cache);
    BOOST_TEST(inserts == expected.size());  // one row per session
  }
}

BOOST_AUTO_TEST_CASE(nexmark_bidder_sessions_match_a_plain_fold) {
  // Nexmark q11's shape: bids per bidder session, gap 0.2 s, over 20,000
  // events 100 us apart (event times in order per split, so nothing is
  // late behind a watermark of date_time - 1 s).
  namespace gen = weir::connectors::generators;
  gen::NexmarkOptions nexmark;
  nexmark.max_events = 20000;
  nexmark.events_per_second = 10000;
  const types::Schema schema(
      gen::NexmarkStandardFields(gen::NexmarkTable::kBid));
  const size_t bidder = *schema.IndexOf("bidder");
  const size_t time = *schema.IndexOf("date_time");
  std::vector<Event> events;
  test::ForEachNexmarkBid(nexmark, [&](const types::Batch& batch, size_t r) {
    events.push_back(
        Event{batch.column(bidder).ints()[r], 0, batch.column(time).ints()[r]});
  });
  // (bidder, start, end) as the shell prints them -> bids.
  std::map<std::vector<std::string>, std::string> expected;
  for (const auto& [key, value] : FoldSessions(events, 200000)) {
    const auto& [k, start, end] = key;
    expected[{std::to_string(k), types::FormatTimestamp(start, 3),
              types::FormatTimestamp(end, 3)}] = std::to_string(value.first);
  }
  BOOST_REQUIRE(expected.size() > 100u);

  for (const char* emit : {"EMIT ON WINDOW CLOSE", "EMIT CHANGES"}) {
    const auto rows = test::ScriptRows(
        std::string(
            "CREATE STREAM bids (WATERMARK FOR date_time AS date_time - "
            "INTERVAL '1' SECOND) WITH (connector = 'nexmark', table = 'bid', "
            "max-events = 20000, events-per-second = 10000); "
            "SET 'parallelism' = '3'; SELECT bidder, window_start, "
            "window_end, COUNT(*) AS n FROM SESSION(bids, date_time, "
            "INTERVAL '0.2' SECOND) GROUP BY bidder, window_start, "
            "window_end ") +
        emit + ";");
    // The changelog (an op column first in updates mode) folded by key.
    const bool updates = std::string(emit) == "EMIT CHANGES";
    std::map<std::vector<std::string>, std::string> got;
    for (const auto& row : rows) {
      BOOST_REQUIRE_EQUAL(row.size(), updates ? 5u : 4u);
      const size_t at = updates ? 1 : 0;
      std::vector<std::string> key(row.begin() + at, row.begin() + at + 3);
      const bool retract = updates && (row[0] == "-D" || row[0] == "-U");
      if (retract) {
        BOOST_TEST_REQUIRE((got[key] == row[at + 3]), "a stale retraction");
        got.erase(key);
      } else {
        BOOST_TEST_REQUIRE((got.count(key) == 0u), "a second insert");
        got[key] = row[at + 3];
      }
    }
    BOOST_TEST((got == expected), emit);
  }
}

BOOST_AUTO_TEST_CASE(explain_names_the_session_window_and_its_gap) {
  auto catalog = StreamCatalog(5);
  auto plan = test::BindPlan(
      *catalog, Query("EMIT ON WINDOW CLOSE ALLOWED LATENESS INTERVAL '2' "
                      "SECOND"));
  const std::string text = exec::ExplainPhysical(plan, 2, catalog.get());
  BOOST_TEST(text.find("Project group keys and event time -> hash exchange") !=
                 std::string::npos,
             text);
  BOOST_TEST(text.find("hash exchange on (k) -> 2 tasks: Session window (gap "
                       "10s, emit on window close, allowed lateness 2s)") !=
                 std::string::npos,
             text);
}

BOOST_AUTO_TEST_CASE(shapes_that_do_not_run_are_refused_clearly) {
  auto catalog = StreamCatalog(5);
  auto refusal = [&](const std::string& sql) {
    return exec::ExplainPhysical(test::BindPlan(*catalog, sql), 2,
                                 catalog.get());
  };
  BOOST_TEST(refusal("SELECT k, window_start, window_end, COUNT(*) FROM "
                     "SESSION(t, ts, INTERVAL '10' SECOND) WHERE window_end > "
                     "ts GROUP BY k, window_start, window_end EMIT CHANGES")
                 .find("goes in HAVING instead") != std::string::npos);
  // A changelog input: a retraction could split a session.
  catalog::Entry changelog = *catalog->Find("t");
  changelog.name = "c";
  changelog.append_only = false;
  changelog.key = {0};
  BOOST_REQUIRE(catalog->Create(changelog, false).ok());
  BOOST_TEST(refusal("SELECT k, window_start, window_end, COUNT(*) FROM "
                     "SESSION(c, ts, INTERVAL '10' SECOND) GROUP BY k, "
                     "window_start, window_end EMIT CHANGES")
                 .find("over a changelog input") != std::string::npos);
  BOOST_TEST(refusal("SELECT k, window_start, window_end, MAX(window_end) FROM "
                     "SESSION(t, ts, INTERVAL '10' SECOND) GROUP BY k, "
                     "window_start, window_end EMIT CHANGES")
                 .find("aggregating window_start or window_end") !=
             std::string::npos);
}

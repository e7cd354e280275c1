// GROUP BY without windows, end to end through the runtime: hand-made
// append-only and changelog inputs split over several tasks, behind the
// keyed exchange, with state in the RocksDB state store. The emitted
// changelog is folded into a table (checking that every -U/-D retracts the
// row last emitted for its key) and compared with the aggregate computed
// by a plain loop over the same input rows.
#define BOOST_TEST_MODULE aggregate_test
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <set>

#include "connectors/generators/nexmark.h"
#include "connectors/registry.h"
#include "engine/catalog/catalog.h"
#include "engine/exec/query.h"
#include "engine/session/session.h"
#include "engine/sql/binder.h"
#include "engine/sql/optimizer.h"
#include "engine/sql/parser.h"
#include "tests/unit/plan_test_util.h"

using namespace weir;
using std::chrono::milliseconds;
using types::ChangeKind;
namespace gen = weir::connectors::generators;

namespace {

/// One input row: (k, v) and its change kind.
struct Change {
  int64_t k;
  int64_t v;
  ChangeKind kind;
  void AppendTo(types::Batch* out) const {
    out->AppendRow({types::Value::Bigint(k), types::Value::Bigint(v)}, kind);
  }
};

/// Sources over `changes`: split i of n emits the changes whose key has
/// k % n == i, at most `per_call` per Next.
exec::SourceProvider ProviderOf(std::vector<Change> changes, size_t per_call) {
  return test::KeySplitProvider(std::move(changes), per_call);
}

/// How the test's source `t` (k BIGINT, v BIGINT) reads its changes.
enum class Input {
  kAppendOnly,  // a STREAM: inserts only
  kChangelog,   // a changelog with retractions (a CDC table)
  kUpsert,      // an upsert TABLE keyed by k: each +I is k's latest row, a
                // -D a tombstone of k
};

std::unique_ptr<catalog::Catalog> CatalogWith(Input input) {
  auto catalog = catalog::NewInMemoryCatalog();
  catalog::Entry entry;
  entry.name = "t";
  entry.kind = input == Input::kAppendOnly ? catalog::EntryKind::kStream
                                           : catalog::EntryKind::kTable;
  entry.connector = "test";
  entry.schema.Add({"k", types::LogicalType::Bigint(), false});
  entry.schema.Add({"v", types::LogicalType::Bigint(), false});
  entry.append_only = input == Input::kAppendOnly;
  if (input == Input::kUpsert) {
    entry.key = {0};
    entry.upsert = true;
  }
  BOOST_REQUIRE(catalog->Create(entry, false).ok());
  return catalog;
}
std::unique_ptr<catalog::Catalog> CatalogWith(bool append_only) {
  return CatalogWith(append_only ? Input::kAppendOnly : Input::kChangelog);
}

using test::BindPlan;

using Table = std::map<std::string, std::vector<std::string>>;

/// The result of running `sql` over `changes`: the changelog folded by
/// its first `key_width` columns (0: every column). Fails the test on a
/// change that does not fit the table (a +I of a present key, a -U/-D
/// that is not the current row).
struct Run {
  Table table;
  size_t largest_batch = 0;
  size_t changes = 0;
};
Run RunQuery(const std::string& sql, std::vector<Change> changes, Input input,
             exec::QueryOptions options, size_t key_width = 1) {
  auto catalog = CatalogWith(input);
  auto plan = BindPlan(*catalog, sql);
  exec::SourceProvider provider = ProviderOf(std::move(changes), 300);
  exec::Executor pool(2);
  options.executor = &pool;
  auto q = exec::RunningQuery::Start(plan, *catalog, provider, options);
  BOOST_REQUIRE_MESSAGE(q.ok(), q.status().message());
  Run run;
  while (!(*q)->finished()) {
    auto batch = (*q)->Next(milliseconds(100));
    BOOST_REQUIRE_MESSAGE(batch.ok(), batch.status().message());
    if (!*batch) continue;
    const types::Batch& b = **batch;
    run.largest_batch = std::max(run.largest_batch, b.num_selected());
    const auto rows = b.ToRows();
    for (size_t i = 0; i < rows.size(); ++i) {
      const size_t phys = b.has_selection() ? b.selection()[i] : i;
      std::vector<std::string> row;
      for (const auto& v : rows[i]) row.push_back(v.ToString());
      std::string key;
      for (size_t c = 0; c < row.size() && (key_width == 0 || c < key_width);
           ++c) {
        key += (c ? "|" : "") + row[c];
      }
      const ChangeKind kind = b.change(phys);
      ++run.changes;
      auto it = run.table.find(key);
      if (kind == ChangeKind::kInsert || kind == ChangeKind::kUpdateAfter) {
        BOOST_TEST_REQUIRE((it == run.table.end()),
                           "an insert of present key " << key);
        run.table[key] = row;
      } else {
        BOOST_TEST_REQUIRE((it != run.table.end()),
                           "a retraction of absent key " << key);
        BOOST_TEST_REQUIRE(
            (it->second == row),
            "a retraction that is not the current row of " << key);
        run.table.erase(it);
      }
    }
  }
  BOOST_REQUIRE_MESSAGE((*q)->status().ok(), (*q)->status().message());
  return run;
}
Run RunQuery(const std::string& sql, std::vector<Change> changes,
             bool append_only, exec::QueryOptions options) {
  return RunQuery(sql, std::move(changes),
                  append_only ? Input::kAppendOnly : Input::kChangelog,
                  options);
}

/// The rows (k, v) that `changes` leave: each -D/-U removes one equal row.
std::multiset<std::pair<int64_t, int64_t>> LiveRows(
    const std::vector<Change>& changes) {
  std::multiset<std::pair<int64_t, int64_t>> rows;
  for (const Change& c : changes) {
    if (c.kind == ChangeKind::kInsert || c.kind == ChangeKind::kUpdateAfter) {
      rows.insert({c.k, c.v});
    } else {
      auto it = rows.find({c.k, c.v});
      BOOST_REQUIRE(it != rows.end());
      rows.erase(it);
    }
  }
  return rows;
}

/// k, COUNT(*), SUM(v), MIN(v), MAX(v) of the rows `changes` leave: the
/// final table of the changelog (each -D/-U removes one equal row), then
/// a plain fold per key.
Table Expected(const std::vector<Change>& changes) {
  const std::multiset<std::pair<int64_t, int64_t>> rows = LiveRows(changes);
  struct Acc {
    int64_t n = 0, sum = 0, min = INT64_MAX, max = INT64_MIN;
  };
  std::map<int64_t, Acc> acc;
  for (const auto& [k, v] : rows) {
    Acc& a = acc[k];
    ++a.n;
    a.sum += v;
    a.min = std::min(a.min, v);
    a.max = std::max(a.max, v);
  }
  Table out;
  for (const auto& [k, a] : acc) {
    out[std::to_string(k)] = {std::to_string(k), std::to_string(a.n),
                              std::to_string(a.sum), std::to_string(a.min),
                              std::to_string(a.max)};
  }
  return out;
}

constexpr char kQuery[] =
    "SELECT k, COUNT(*) AS n, SUM(v) AS s, MIN(v) AS lo, MAX(v) AS hi FROM t "
    "GROUP BY k EMIT CHANGES";

std::vector<Change> AppendOnly(int rows, int keys, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Change> out;
  for (int i = 0; i < rows; ++i) {
    out.push_back(Change{static_cast<int64_t>(rng() % keys),
                         static_cast<int64_t>(rng() % 1000) - 300,
                         ChangeKind::kInsert});
  }
  return out;
}

/// Inserts, then updates (-U old, +U new) and deletes of rows still
/// present, chosen at random; some keys lose every row.
std::vector<Change> WithRetractions(int rows, int keys, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Change> out;
  std::vector<std::pair<int64_t, int64_t>> live;
  for (int i = 0; i < rows; ++i) {
    const uint32_t dice = rng() % 10;
    if (live.empty() || dice < 5) {
      std::pair<int64_t, int64_t> row{rng() % keys, rng() % 1000};
      out.push_back(Change{row.first, row.second, ChangeKind::kInsert});
      live.push_back(row);
      continue;
    }
    const size_t at = rng() % live.size();
    const auto old = live[at];
    if (dice < 8) {  // an update in place: same key, new value
      const int64_t v = static_cast<int64_t>(rng() % 1000);
      out.push_back(Change{old.first, old.second, ChangeKind::kUpdateBefore});
      out.push_back(Change{old.first, v, ChangeKind::kUpdateAfter});
      live[at].second = v;
    } else {
      out.push_back(Change{old.first, old.second, ChangeKind::kDelete});
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(at));
    }
  }
  // Empty a few keys completely: their groups must end with -D.
  for (int64_t k = 0; k < 3; ++k) {
    for (size_t i = live.size(); i-- > 0;) {
      if (live[i].first == k) {
        out.push_back(Change{k, live[i].second, ChangeKind::kDelete});
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(i));
      }
    }
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(append_only_group_by_matches_a_plain_fold) {
  const auto changes = AppendOnly(20000, 500, 1);
  exec::QueryOptions options;
  options.parallelism = 3;
  options.batch_rows = 256;
  Run run = RunQuery(kQuery, changes, true, options);
  const Table expected = Expected(changes);
  BOOST_TEST(run.table.size() == 500u);
  BOOST_TEST((run.table == expected));
  // Per batch at most one change (+I, or -U and +U) per group: fewer
  // changes than two per input row.
  BOOST_TEST(run.changes < 2 * changes.size());
  // No step emits more than the output budget (the batch size).
  BOOST_TEST(run.largest_batch <= options.batch_rows);
}

BOOST_AUTO_TEST_CASE(changelog_input_retracts_and_deletes_empty_groups) {
  const auto changes = WithRetractions(20000, 200, 2);
  exec::QueryOptions options;
  options.parallelism = 2;
  options.batch_rows = 128;
  Run run = RunQuery(kQuery, changes, false, options);
  const Table expected = Expected(changes);
  // Keys 0..2 were emptied: their groups were deleted (-D).
  for (const char* k : {"0", "1", "2"}) BOOST_TEST(expected.count(k) == 0u);
  BOOST_TEST(expected.size() > 150u);
  BOOST_TEST((run.table == expected));
}

BOOST_AUTO_TEST_CASE(a_tiny_and_a_large_cache_give_identical_results) {
  // 30,000 groups: with a 4 KB cache nearly all state lives in RocksDB.
  const auto changes = WithRetractions(60000, 30000, 3);
  const Table expected = Expected(changes);
  for (size_t cache : {size_t{4} << 10, size_t{256} << 20}) {
    exec::QueryOptions options;
    options.parallelism = 2;
    options.state_cache_bytes = cache;
    Run run = RunQuery(kQuery, changes, false, options);
    BOOST_TEST((run.table == expected), "cache " << cache);
  }
}

BOOST_AUTO_TEST_CASE(having_filters_the_aggregate_s_changelog) {
  const auto changes = AppendOnly(5000, 100, 4);
  exec::QueryOptions options;
  options.parallelism = 2;
  Run run = RunQuery(
      "SELECT k, COUNT(*) AS n, SUM(v) AS s, MIN(v) AS lo, MAX(v) AS hi FROM "
      "t GROUP BY k HAVING COUNT(*) > 50 EMIT CHANGES",
      changes, true, options);
  Table expected = Expected(changes);
  for (auto it = expected.begin(); it != expected.end();) {
    it = std::stoll(it->second[1]) > 50 ? std::next(it) : expected.erase(it);
  }
  BOOST_TEST(!expected.empty());
  BOOST_TEST((run.table == expected));
}

BOOST_AUTO_TEST_CASE(count_distinct_follows_retractions) {
  const auto changes = WithRetractions(20000, 50, 6);
  // The values per key of the rows the changes leave.
  std::map<int64_t, std::multiset<int64_t>> rows;
  for (const Change& c : changes) {
    if (c.kind == ChangeKind::kInsert || c.kind == ChangeKind::kUpdateAfter) {
      rows[c.k].insert(c.v);
    } else {
      rows[c.k].erase(rows[c.k].find(c.v));
    }
  }
  Table expected;
  for (const auto& [k, values] : rows) {
    if (values.empty()) continue;
    std::set<int64_t> distinct;
    for (int64_t v : values) distinct.insert(v % 100);
    expected[std::to_string(k)] = {std::to_string(k),
                                   std::to_string(distinct.size())};
  }
  exec::QueryOptions options;
  options.parallelism = 2;
  Run run = RunQuery(
      "SELECT k, COUNT(DISTINCT v % 100) AS d FROM t GROUP BY k EMIT CHANGES",
      changes, false, options);
  BOOST_TEST((run.table == expected));
}

BOOST_AUTO_TEST_CASE(a_retraction_before_its_insert_fails_the_query) {
  auto catalog = CatalogWith(false);
  auto plan = BindPlan(*catalog, kQuery);
  exec::SourceProvider provider = ProviderOf({{7, 1, ChangeKind::kDelete}}, 10);
  exec::Executor pool(2);
  exec::QueryOptions options;
  options.parallelism = 1;
  options.executor = &pool;
  auto q = exec::RunningQuery::Start(plan, *catalog, provider, options);
  BOOST_REQUIRE(q.ok());
  while (!(*q)->finished()) {
    auto batch = (*q)->Next(milliseconds(100));
    if (!batch.ok()) break;
  }
  BOOST_TEST(!(*q)->status().ok());
  BOOST_TEST(
      std::string((*q)->status().message()).find("7") != std::string::npos,
      (*q)->status().message());
}

BOOST_AUTO_TEST_CASE(the_temporary_state_directory_is_removed_at_the_end) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("weir-agg-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  exec::QueryOptions options;
  options.parallelism = 2;
  options.state_dir = dir;
  Run run = RunQuery(kQuery, AppendOnly(1000, 10, 5), true, options);
  BOOST_TEST(run.table.size() == 10u);
  // The query's subdirectory is gone; the parent stays.
  BOOST_TEST(std::filesystem::exists(dir));
  BOOST_TEST(std::filesystem::is_empty(dir));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(nexmark_bids_per_auction_through_a_session) {
  // Expected: bids and total price per auction of the first 20,000 events,
  // read from one unsplit generator.
  gen::NexmarkOptions nexmark;
  nexmark.max_events = 20000;
  nexmark.events_per_second = 1000000000;
  const auto fields = gen::NexmarkStandardFields(gen::NexmarkTable::kBid);
  const types::Schema schema(fields);
  const size_t auction = *schema.IndexOf("auction");
  const size_t price = *schema.IndexOf("price");
  std::map<std::string, std::pair<int64_t, int64_t>> expected;
  test::ForEachNexmarkBid(nexmark, [&](const types::Batch& batch, size_t r) {
    auto& e = expected[std::to_string(batch.column(auction).ints()[r])];
    ++e.first;
    e.second += batch.column(price).ints()[r];
  });
  BOOST_REQUIRE(expected.size() > 10u);

  for (const char* cache : {"1KB", "64MB"}) {
    const auto rows = test::ScriptRows(
        std::string("CREATE STREAM bids WITH (connector = 'nexmark', table = "
                    "'bid', max-events = 20000, events-per-second = "
                    "1000000000); SET 'parallelism' = '3'; "
                    "SET 'state.cache-size' = '") +
        cache +
        "'; SELECT auction, COUNT(*) AS n, SUM(price) AS total FROM bids "
        "GROUP BY auction EMIT CHANGES;");
    // Append-only input: a group's changes are +I, then -U/+U pairs, in
    // order (the op column first), so its last row is its final result.
    std::map<std::string, std::pair<int64_t, int64_t>> got;
    std::map<std::string, std::string> last_op;
    for (const auto& row : rows) {
      BOOST_REQUIRE_EQUAL(row.size(), 4u);
      got[row[1]] = {std::stoll(row[2]), std::stoll(row[3])};
      last_op[row[1]] = row[0];
    }
    BOOST_TEST((got == expected), "cache " << cache);
    for (const auto& [auction, op] : last_op)
      BOOST_TEST((op == "+I" || op == "+U"), auction << " ends with " << op);
  }
}

// ------------------------------------------------ DISTINCT, UNION, upserts

namespace {

/// A table of whole rows (the fold of RunQuery with key_width 0) holding
/// each of `rows` once.
Table RowsTable(const std::set<std::vector<int64_t>>& rows) {
  Table out;
  for (const auto& row : rows) {
    std::string key;
    std::vector<std::string> text;
    for (int64_t v : row) {
      key += (key.empty() ? "" : "|") + std::to_string(v);
      text.push_back(std::to_string(v));
    }
    out[key] = text;
  }
  return out;
}

/// SELECT DISTINCT k % 7, v % 5 over the rows `changes` leave.
Table DistinctExpected(const std::vector<Change>& changes) {
  std::set<std::vector<int64_t>> distinct;
  for (const auto& [k, v] : LiveRows(changes)) distinct.insert({k % 7, v % 5});
  return RowsTable(distinct);
}

constexpr char kDistinct[] =
    "SELECT DISTINCT k % 7 AS a, v % 5 AS b FROM t EMIT CHANGES";

}  // namespace

BOOST_AUTO_TEST_CASE(select_distinct_over_an_append_only_stream) {
  const auto changes = AppendOnly(20000, 500, 21);
  exec::QueryOptions options;
  options.parallelism = 3;
  options.batch_rows = 256;
  Run run = RunQuery(kDistinct, changes, Input::kAppendOnly, options, 0);
  BOOST_TEST((run.table == DistinctExpected(changes)));
  // Append-only input: each distinct row is inserted once, never retracted.
  BOOST_TEST(run.changes == run.table.size());
}

BOOST_AUTO_TEST_CASE(select_distinct_over_a_changelog_retracts_vanished_rows) {
  const auto changes = WithRetractions(20000, 60, 22);
  exec::QueryOptions options;
  options.parallelism = 2;
  options.batch_rows = 128;
  options.state_cache_bytes = 4 << 10;
  Run run = RunQuery(kDistinct, changes, Input::kChangelog, options, 0);
  const Table expected = DistinctExpected(changes);
  BOOST_TEST(expected.size() > 10u);
  BOOST_TEST((run.table == expected));
  // Some distinct rows appeared and vanished again (-D).
  BOOST_TEST(run.changes > run.table.size());
}

BOOST_AUTO_TEST_CASE(group_by_without_aggregates_is_distinct_keys) {
  const auto changes = WithRetractions(10000, 40, 23);
  std::set<std::vector<int64_t>> keys;
  for (const auto& [k, v] : LiveRows(changes)) keys.insert({k});
  exec::QueryOptions options;
  options.parallelism = 2;
  Run run = RunQuery("SELECT k FROM t GROUP BY k EMIT CHANGES", changes,
                     Input::kChangelog, options, 0);
  BOOST_TEST((run.table == RowsTable(keys)));
}

BOOST_AUTO_TEST_CASE(union_distinct_over_streams_and_changelogs) {
  // Two branches over the same input: (k % 5, v % 3) and (k % 4, v % 3);
  // the UNION holds each row of either once, for as long as any input row
  // gives it.
  for (Input input : {Input::kAppendOnly, Input::kChangelog}) {
    const auto changes = input == Input::kAppendOnly
                             ? AppendOnly(10000, 300, 24)
                             : WithRetractions(10000, 30, 25);
    std::set<std::vector<int64_t>> expected;
    for (const auto& [k, v] : LiveRows(changes)) {
      expected.insert({k % 5, v % 3});
      expected.insert({k % 4, v % 3});
    }
    exec::QueryOptions options;
    options.parallelism = 2;
    options.batch_rows = 200;
    Run run = RunQuery(
        "SELECT k % 5 AS a, v % 3 AS b FROM t UNION SELECT k % 4, v % 3 FROM "
        "t EMIT CHANGES",
        changes, input, options, 0);
    BOOST_TEST((run.table == RowsTable(expected)),
               "input " << static_cast<int>(input));
    if (input == Input::kAppendOnly)
      BOOST_TEST(run.changes == run.table.size());
  }
}

// An aggregate over another's changelog: each in a keyed stage of its own.
// The expected values are folds of the rows the input leaves, here.

BOOST_AUTO_TEST_CASE(count_over_select_distinct) {
  for (Input input : {Input::kAppendOnly, Input::kChangelog}) {
    const auto changes = input == Input::kAppendOnly
                             ? AppendOnly(20000, 500, 31)
                             : WithRetractions(20000, 60, 32);
    const size_t distinct = DistinctExpected(changes).size();
    BOOST_TEST(distinct > 10u);
    exec::QueryOptions options;
    options.parallelism = 3;
    options.batch_rows = 256;
    Run run = RunQuery(
        "SELECT COUNT(*) AS n FROM (SELECT DISTINCT k % 7 AS a, v % 5 AS b "
        "FROM t) EMIT CHANGES",
        changes, input, options, 0);
    BOOST_TEST((run.table == RowsTable(std::set<std::vector<int64_t>>{
                                          {static_cast<int64_t>(distinct)}})),
               "input " << static_cast<int>(input));
  }
}

BOOST_AUTO_TEST_CASE(select_distinct_over_an_aggregate) {
  // The distinct counts per key: a key's count moving from 3 to 4 retracts
  // 3 when no other key has 3.
  for (Input input : {Input::kAppendOnly, Input::kChangelog}) {
    const auto changes = input == Input::kAppendOnly
                             ? AppendOnly(5000, 300, 33)
                             : WithRetractions(5000, 40, 34);
    std::map<int64_t, int64_t> per_key;
    for (const auto& [k, v] : LiveRows(changes)) ++per_key[k];
    std::set<std::vector<int64_t>> counts;
    for (const auto& [k, n] : per_key) counts.insert({n});
    exec::QueryOptions options;
    options.parallelism = 2;
    options.batch_rows = 100;
    options.state_cache_bytes = 4 << 10;
    Run run = RunQuery(
        "SELECT DISTINCT n FROM (SELECT k, COUNT(*) AS n FROM t GROUP BY k) "
        "EMIT CHANGES",
        changes, input, options, 0);
    BOOST_TEST((run.table == RowsTable(counts)),
               "input " << static_cast<int>(input));
  }
}

BOOST_AUTO_TEST_CASE(an_aggregate_over_union_distinct_and_nested_unions) {
  for (Input input : {Input::kAppendOnly, Input::kChangelog}) {
    const auto changes = input == Input::kAppendOnly
                             ? AppendOnly(10000, 300, 35)
                             : WithRetractions(10000, 30, 36);
    std::set<std::pair<int64_t, int64_t>> rows;
    std::set<std::vector<int64_t>> three;
    for (const auto& [k, v] : LiveRows(changes)) {
      rows.insert({k % 5, v % 3});
      rows.insert({k % 4, v % 3});
      three.insert({k % 5});
      three.insert({k % 4 + 10});
      three.insert({v % 3 + 20});
    }
    std::map<int64_t, int64_t> per_a;
    for (const auto& [a, b] : rows) ++per_a[a];
    Table expected;  // keyed by the group key, a
    for (const auto& [a, n] : per_a) {
      expected[std::to_string(a)] = {std::to_string(a), std::to_string(n)};
    }
    exec::QueryOptions options;
    options.parallelism = 2;
    options.batch_rows = 200;
    Run run = RunQuery(
        "SELECT a, COUNT(*) AS n FROM (SELECT k % 5 AS a, v % 3 AS b FROM t "
        "UNION SELECT k % 4, v % 3 FROM t) GROUP BY a EMIT CHANGES",
        changes, input, options, 1);
    BOOST_TEST((run.table == expected), "input " << static_cast<int>(input));
    // A UNION of UNIONs: one distinct over all three branches.
    Run nested = RunQuery(
        "SELECT k % 5 AS x FROM t UNION SELECT k % 4 + 10 FROM t UNION "
        "SELECT v % 3 + 20 FROM t EMIT CHANGES",
        changes, input, options, 0);
    BOOST_TEST((nested.table == RowsTable(three)),
               "input " << static_cast<int>(input));
  }
}

namespace {

/// Upserts of keys 0..keys-1 in random order: a new value for a key
/// (sometimes the same one again), and tombstones (-D) of present and
/// absent keys.
std::vector<Change> Upserts(int records, int keys, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<Change> out;
  for (int i = 0; i < records; ++i) {
    const int64_t k = rng() % keys;
    if (rng() % 5 == 0) {
      out.push_back(Change{k, 0, ChangeKind::kDelete});
    } else {
      out.push_back(Change{k, static_cast<int64_t>(rng() % 8),
                           ChangeKind::kInsert});
    }
  }
  return out;
}

/// The latest value of each key the upserts leave (a tombstone deletes).
std::map<int64_t, int64_t> LatestPerKey(const std::vector<Change>& upserts) {
  std::map<int64_t, int64_t> latest;
  for (const Change& c : upserts) {
    if (c.kind == ChangeKind::kDelete) {
      latest.erase(c.k);
    } else {
      latest[c.k] = c.v;
    }
  }
  return latest;
}

}  // namespace

BOOST_AUTO_TEST_CASE(an_upsert_table_reads_as_the_latest_row_per_key) {
  const auto upserts = Upserts(20000, 400, 26);
  Table expected;
  for (const auto& [k, v] : LatestPerKey(upserts))
    expected[std::to_string(k)] = {std::to_string(k), std::to_string(v)};
  BOOST_REQUIRE(expected.size() > 200u && expected.size() < 400u);
  exec::QueryOptions options;
  options.parallelism = 3;
  options.batch_rows = 256;
  // The fold checks that every -U/-D retracts the row last emitted.
  Run run = RunQuery("SELECT * FROM t EMIT CHANGES", upserts, Input::kUpsert,
                     options);
  BOOST_TEST((run.table == expected));
  BOOST_TEST(run.largest_batch <= options.batch_rows);
}

BOOST_AUTO_TEST_CASE(aggregates_over_an_upsert_table_count_a_key_once) {
  const auto upserts = Upserts(20000, 300, 27);
  // Per value: how many keys hold it now, and their sum.
  Table expected;
  std::map<int64_t, std::pair<int64_t, int64_t>> per_value;
  for (const auto& [k, v] : LatestPerKey(upserts)) {
    ++per_value[v].first;
    per_value[v].second += k;
  }
  for (const auto& [v, acc] : per_value) {
    expected[std::to_string(v)] = {std::to_string(v),
                                   std::to_string(acc.first),
                                   std::to_string(acc.second)};
  }
  exec::QueryOptions options;
  options.parallelism = 2;
  Run run = RunQuery(
      "SELECT v, COUNT(*) AS n, SUM(k) AS s FROM t GROUP BY v EMIT CHANGES",
      upserts, Input::kUpsert, options);
  BOOST_TEST((run.table == expected));

  // One group: COUNT(*) is the number of live keys.
  Run count = RunQuery("SELECT COUNT(*) AS n FROM t EMIT CHANGES", upserts,
                       Input::kUpsert, options);
  BOOST_REQUIRE_EQUAL(count.table.size(), 1u);
  BOOST_TEST(count.table.begin()->second[0] ==
             std::to_string(LatestPerKey(upserts).size()));
}

// Without GROUP BY an aggregate has exactly one row, as SQL says: over no
// input (COUNT 0, SUM NULL), and again once every row was retracted (not a
// delete of the row), with two tasks of which one owns the empty key.
BOOST_AUTO_TEST_CASE(a_global_aggregate_has_one_row_over_no_rows) {
  exec::QueryOptions options;
  options.parallelism = 2;
  const std::string sql =
      "SELECT COUNT(*) AS n, SUM(v) AS s, MIN(v) AS lo FROM t EMIT CHANGES";
  const Table none = {{"0|NULL|NULL", {"0", "NULL", "NULL"}}};
  BOOST_TEST((RunQuery(sql, {}, Input::kChangelog, options, 0).table == none));

  // Rows inserted, then all deleted: back to the row over no rows.
  std::vector<Change> changes;
  for (int64_t k = 0; k < 50; ++k)
    changes.push_back({k, k * 10, ChangeKind::kInsert});
  for (int64_t k = 0; k < 50; ++k)
    changes.push_back({k, k * 10, ChangeKind::kDelete});
  BOOST_TEST(
      (RunQuery(sql, changes, Input::kChangelog, options, 0).table == none));

  // Keys 40..49 left: 10 rows, 400 + 410 + ... + 490 = 4450, lowest 400.
  changes.resize(50 + 40);
  const Table left = {{"10|4450|400", {"10", "4450", "400"}}};
  BOOST_TEST(
      (RunQuery(sql, changes, Input::kChangelog, options, 0).table == left));
}

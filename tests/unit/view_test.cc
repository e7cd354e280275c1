// Materialized views end to end through a session: CREATE MATERIALIZED
// VIEW runs its query into the view's rows; pull queries answer from them
// by lookup, prefix scan or scan (EXPLAIN says which); DROP stops the
// query and frees the rows; with state.dir a view resumes its rows. Every
// expected value comes from a fold over the same generated nexmark bids in
// this file, never from the engine's output.
#define BOOST_TEST_MODULE view_test
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "connectors/generators/nexmark.h"
#include "connectors/registry.h"
#include "engine/exec/view_source.h"
#include "engine/exec/view_state.h"
#include "engine/session/session.h"
#include "storage/state_store.h"
#include "tests/unit/plan_test_util.h"

using namespace weir;
namespace gen = weir::connectors::generators;

namespace {

constexpr int kEvents = 20000;

using Rows = std::vector<std::vector<std::string>>;

/// The bids of the first `events` nexmark events at `per_second`:
/// (auction, bidder, price).
std::vector<std::tuple<int64_t, int64_t, int64_t>> Bids(
    int events = kEvents, int64_t per_second = 1000000000) {
  gen::NexmarkOptions nexmark;
  nexmark.max_events = events;
  nexmark.events_per_second = per_second;
  const types::Schema schema(
      gen::NexmarkStandardFields(gen::NexmarkTable::kBid));
  const size_t auction = *schema.IndexOf("auction");
  const size_t bidder = *schema.IndexOf("bidder");
  const size_t price = *schema.IndexOf("price");
  std::vector<std::tuple<int64_t, int64_t, int64_t>> out;
  test::ForEachNexmarkBid(nexmark, [&](const types::Batch& b, size_t r) {
    out.emplace_back(b.column(auction).ints()[r], b.column(bidder).ints()[r],
                     b.column(price).ints()[r]);
  });
  return out;
}

/// A session that runs views (a bounded generator reaches nothing
/// outside), with `bids` defined over the same events Bids() folds.
std::unique_ptr<Session> NewSession(const std::string& setup = "") {
  auto s = Session::Create({.connect_to_sources = true,
                            .connectors = connectors::BuiltinConnectors()});
  BOOST_REQUIRE(s.ok());
  const std::string ddl =
      "CREATE STREAM bids WITH (connector = 'nexmark', table = 'bid', "
      "max-events = " +
      std::to_string(kEvents) +
      ", events-per-second = 1000000000); SET 'parallelism' = '3';" + setup;
  absl::Status st = (*s)->ExecuteScript(ddl, [](const StatementResult&) {});
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
  return *std::move(s);
}

/// Runs `sql` (one statement) and returns its result; fails the test on an
/// error.
StatementResult Run(Session& s, const std::string& sql) {
  StatementResult out;
  absl::Status st =
      s.ExecuteScript(sql, [&](const StatementResult& r) { out = r; });
  BOOST_REQUIRE_MESSAGE(st.ok(), sql << ": " << st.message());
  return out;
}

/// The error of `sql`.
std::string ErrorOf(Session& s, const std::string& sql) {
  absl::Status st = s.ExecuteScript(sql, [](const StatementResult&) {});
  BOOST_REQUIRE_MESSAGE(!st.ok(), sql << " succeeded");
  return std::string(st.message());
}

/// Waits until the views' bounded queries have applied all their input.
void WaitForViews(Session& s) {
  absl::Status st = s.WaitForQueries(nullptr);
  BOOST_REQUIRE_MESSAGE(st.ok(), st.message());
}

Rows Sorted(Rows rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

/// Per auction: bids and total price.
std::map<int64_t, std::pair<int64_t, int64_t>> PerAuction() {
  std::map<int64_t, std::pair<int64_t, int64_t>> out;
  for (const auto& [auction, bidder, price] : Bids()) {
    ++out[auction].first;
    out[auction].second += price;
  }
  return out;
}

/// The rows of PerAuction() kept by `keep`, as the view's columns print.
template <typename Keep>
Rows PerAuctionRows(Keep keep) {
  Rows out;
  for (const auto& [auction, v] : PerAuction()) {
    if (!keep(auction, v.first)) continue;
    out.push_back({std::to_string(auction), std::to_string(v.first),
                   std::to_string(v.second)});
  }
  return out;
}

/// Folds changelog rows (op first, then key column 0 and the rest) into the
/// rows they leave, checking each change against what the fold holds: +I
/// and +U of a key absent (after its -U), -U and -D of the row present.
/// So a change missed or seen twice fails here.
Rows FoldChangelog(const Rows& changes) {
  std::map<std::string, std::vector<std::string>> rows;
  for (const auto& change : changes) {
    BOOST_REQUIRE(change.size() >= 2u);
    const std::string& op = change[0];
    std::vector<std::string> row(change.begin() + 1, change.end());
    if (op == "+I" || op == "+U") {
      BOOST_TEST(rows.emplace(row[0], row).second, op << " of present key "
                                                      << row[0]);
    } else {
      BOOST_REQUIRE_MESSAGE(op == "-U" || op == "-D", "op " << op);
      auto it = rows.find(row[0]);
      BOOST_TEST((it != rows.end() && it->second == row),
                 op << " of a row not there, key " << row[0]);
      if (it != rows.end()) rows.erase(it);
    }
  }
  Rows out;
  for (auto& [key, row] : rows) out.push_back(std::move(row));
  return out;
}

/// A fresh directory named `prefix` + this process's id.
std::string TempDir(const std::string& prefix) {
  const auto dir = std::filesystem::temp_directory_path() /
                   (prefix + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

constexpr char kPerAuction[] =
    "CREATE MATERIALIZED VIEW per_auction AS SELECT auction, COUNT(*) AS n, "
    "SUM(price) AS total FROM bids GROUP BY auction";

}  // namespace

BOOST_AUTO_TEST_CASE(view_runs_and_pull_queries_match_the_fold) {
  auto s = NewSession();
  StatementResult created = Run(*s, kPerAuction);
  BOOST_TEST(created.message.find("Query q1 maintains it") != std::string::npos,
             created.message);
  StatementResult queries = Run(*s, "SHOW QUERIES");
  bool listed = false;
  for (const auto& row : queries.rows)
    for (const auto& cell : row) listed |= cell == "per_auction";
  BOOST_TEST(listed);
  WaitForViews(*s);
  const auto fold = PerAuction();
  BOOST_REQUIRE(fold.size() > 10u);
  BOOST_TEST(s->ViewStateOf("PER_AUCTION")->size() == fold.size());

  // Full contents.
  StatementResult all = Run(*s, "SELECT * FROM per_auction");
  BOOST_TEST(
      (all.columns == std::vector<std::string>{"auction", "n", "total"}));
  BOOST_TEST(Sorted(all.rows) ==
             Sorted(PerAuctionRows([](int64_t, int64_t) { return true; })));

  // Point lookup on the full key, for a few keys and one absent key.
  int checked = 0;
  for (const auto& [auction, v] : fold) {
    if (checked++ % 97 != 0) continue;
    const std::string q =
        "SELECT auction, n, total FROM per_auction WHERE auction = " +
        std::to_string(auction);
    BOOST_TEST(Run(*s, "EXPLAIN " + q)
                   .text.find("Access path: lookup on (auction = " +
                              std::to_string(auction) + ") in per_auction") !=
               std::string::npos);
    Rows got = Run(*s, q).rows;
    BOOST_TEST((got == Rows{{std::to_string(auction), std::to_string(v.first),
                             std::to_string(v.second)}}));
  }
  BOOST_TEST(
      Run(*s, "SELECT * FROM per_auction WHERE auction = -5").rows.empty());

  // A range of the (only) key column: a prefix scan.
  const int64_t lo = std::next(fold.begin(), fold.size() / 4)->first;
  const int64_t hi = std::next(fold.begin(), fold.size() / 2)->first;
  const std::string range =
      "SELECT * FROM per_auction WHERE auction >= " + std::to_string(lo) +
      " AND auction < " + std::to_string(hi);
  const std::string explained = Run(*s, "EXPLAIN " + range).text;
  BOOST_TEST(
      explained.find("Access path: prefix scan on (auction >= " +
                     std::to_string(lo) + ", auction < " + std::to_string(hi) +
                     ") in per_auction") != std::string::npos,
      explained);
  BOOST_TEST(Sorted(Run(*s, range).rows) ==
             Sorted(PerAuctionRows(
                 [&](int64_t a, int64_t) { return a >= lo && a < hi; })));

  // A filter on a value column: a scan with the filter.
  const std::string scan = "SELECT * FROM per_auction WHERE n > 3";
  BOOST_TEST(Run(*s, "EXPLAIN " + scan)
                 .text.find("Access path: scan of per_auction (every row)") !=
             std::string::npos);
  BOOST_TEST(Sorted(Run(*s, scan).rows) ==
             Sorted(PerAuctionRows([](int64_t, int64_t n) { return n > 3; })));

  // An aggregate over the view's rows: its final result, not its changes.
  int64_t bids = 0;
  int64_t keys_over_3 = 0;
  for (const auto& [auction, v] : fold) {
    bids += v.first;
    keys_over_3 += v.first > 3 ? 1 : 0;
  }
  BOOST_TEST(
      (Run(*s, "SELECT COUNT(*) AS c, SUM(n) AS s FROM per_auction").rows ==
       Rows{{std::to_string(fold.size()), std::to_string(bids)}}));
  BOOST_TEST(
      (Run(*s, "SELECT COUNT(*) AS c FROM per_auction WHERE n > 3").rows ==
       Rows{{std::to_string(keys_over_3)}}));

  // ORDER BY and LIMIT over what the view holds.
  Rows top = Run(*s,
                 "SELECT auction, n FROM per_auction ORDER BY n DESC, auction "
                 "LIMIT 5")
                 .rows;
  std::vector<std::pair<int64_t, int64_t>> by_n;
  for (const auto& [auction, v] : fold) by_n.emplace_back(-v.first, auction);
  std::sort(by_n.begin(), by_n.end());
  Rows expected_top;
  for (size_t i = 0; i < 5; ++i)
    expected_top.push_back(
        {std::to_string(by_n[i].second), std::to_string(-by_n[i].first)});
  BOOST_TEST(top == expected_top);
}

// An aggregate without GROUP BY has exactly one row, over no rows too
// (SQL: COUNT 0, SUM/MAX NULL): a pull query over an empty view, or over
// rows its filter drops, answers with that row.
BOOST_AUTO_TEST_CASE(a_global_aggregate_has_one_row_over_no_rows) {
  auto s = NewSession();
  Run(*s,
      "CREATE MATERIALIZED VIEW none AS SELECT auction, COUNT(*) AS n, "
      "SUM(price) AS total FROM bids WHERE price < 0 GROUP BY auction");
  Run(*s, kPerAuction);
  WaitForViews(*s);
  BOOST_TEST(Run(*s, "SELECT * FROM none").rows.empty());
  BOOST_TEST((Run(*s, "SELECT COUNT(*) AS c, SUM(n) AS s, MAX(total) AS m "
                      "FROM none")
                  .rows == Rows{{"0", "NULL", "NULL"}}));
  BOOST_TEST((Run(*s, "SELECT COUNT(*) AS c, SUM(n) AS s FROM per_auction "
                      "WHERE n < 0")
                  .rows == Rows{{"0", "NULL"}}));
  BOOST_TEST((Run(*s, "SELECT COUNT(*) AS c FROM per_auction").rows ==
              Rows{{std::to_string(PerAuction().size())}}));
}

// A view of an aggregate without GROUP BY: one row under an empty key,
// over an input that has no rows (the row comes from the one task, of 3,
// owning the empty key), over some, and over a view's changelog.
BOOST_AUTO_TEST_CASE(a_global_aggregate_view_has_one_row) {
  auto s = NewSession();
  Run(*s, kPerAuction);
  Run(*s,
      "CREATE MATERIALIZED VIEW none_total AS SELECT COUNT(*) AS n, "
      "SUM(price) AS total, MIN(price) AS low, AVG(price) AS mean FROM bids "
      "WHERE price < 0");
  Run(*s,
      "CREATE MATERIALIZED VIEW all_total AS SELECT COUNT(*) AS n, SUM(price) "
      "AS total FROM bids");
  Run(*s,
      "CREATE MATERIALIZED VIEW auctions AS SELECT COUNT(*) AS n, SUM(n) AS "
      "bids FROM per_auction");
  WaitForViews(*s);
  BOOST_TEST((Run(*s, "SELECT * FROM none_total").rows ==
              Rows{{"0", "NULL", "NULL", "NULL"}}));
  int64_t bids = 0, total = 0;
  for (const auto& [auction, bidder, price] : Bids()) {
    ++bids;
    total += price;
  }
  BOOST_TEST((Run(*s, "SELECT * FROM all_total").rows ==
              Rows{{std::to_string(bids), std::to_string(total)}}));
  BOOST_TEST((Run(*s, "SELECT * FROM auctions").rows ==
              Rows{{std::to_string(PerAuction().size()),
                    std::to_string(bids)}}));
}

BOOST_AUTO_TEST_CASE(two_column_key_lookup_and_prefix_scan) {
  auto s = NewSession();
  Run(*s,
      "CREATE MATERIALIZED VIEW pairs AS SELECT auction, bidder, COUNT(*) AS "
      "n, MAX(price) AS top FROM bids GROUP BY auction, bidder");
  WaitForViews(*s);
  std::map<std::pair<int64_t, int64_t>, std::pair<int64_t, int64_t>> fold;
  for (const auto& [auction, bidder, price] : Bids()) {
    auto& v = fold[{auction, bidder}];
    ++v.first;
    v.second = std::max(v.second, price);
  }
  auto rows_where = [&](auto keep) {
    Rows out;
    for (const auto& [k, v] : fold) {
      if (!keep(k.first, k.second)) continue;
      out.push_back({std::to_string(k.first), std::to_string(k.second),
                     std::to_string(v.first), std::to_string(v.second)});
    }
    return Sorted(out);
  };
  BOOST_TEST(Sorted(Run(*s, "SELECT * FROM pairs").rows) ==
             rows_where([](int64_t, int64_t) { return true; }));
  int checked = 0;
  for (const auto& entry : fold) {
    // (Not a structured binding: clang 14 refuses them in lambda captures.)
    const std::pair<int64_t, int64_t>& k = entry.first;
    if (checked++ % 211 != 0) continue;
    const std::string a = std::to_string(k.first);
    const std::string b = std::to_string(k.second);
    // The first key column: a prefix scan.
    const std::string prefix = "SELECT * FROM pairs WHERE auction = " + a;
    BOOST_TEST(Run(*s, "EXPLAIN " + prefix)
                   .text.find("Access path: prefix scan on (auction = " + a +
                              ") in pairs") != std::string::npos);
    BOOST_TEST(Sorted(Run(*s, prefix).rows) ==
               rows_where([&](int64_t x, int64_t) { return x == k.first; }));
    // The prefix and a range of the next column.
    const std::string ranged = prefix + " AND bidder <= " + b;
    BOOST_TEST(Run(*s, "EXPLAIN " + ranged)
                   .text.find("Access path: prefix scan on (auction = " + a +
                              ", bidder <= " + b + ") in pairs") !=
               std::string::npos);
    BOOST_TEST(Sorted(Run(*s, ranged).rows) ==
               rows_where([&](int64_t x, int64_t y) {
                 return x == k.first && y <= k.second;
               }));
    // Both columns: a lookup (written the other way round).
    const std::string point =
        "SELECT * FROM pairs WHERE " + b + " = bidder AND auction = " + a;
    BOOST_TEST(Run(*s, "EXPLAIN " + point)
                   .text.find("Access path: lookup on (auction = " + a +
                              ", bidder = " + b + ") in pairs") !=
               std::string::npos);
    BOOST_TEST(Run(*s, point).rows == rows_where([&](int64_t x, int64_t y) {
                 return x == k.first && y == k.second;
               }));
  }
  // Only the second key column: a scan with the filter.
  const int64_t bidder = fold.begin()->first.second;
  const std::string second =
      "SELECT * FROM pairs WHERE bidder = " + std::to_string(bidder);
  BOOST_TEST(
      Run(*s, "EXPLAIN " + second).text.find("Access path: scan of pairs") !=
      std::string::npos);
  BOOST_TEST(Sorted(Run(*s, second).rows) ==
             rows_where([&](int64_t, int64_t y) { return y == bidder; }));
}

BOOST_AUTO_TEST_CASE(append_only_view_keeps_every_row) {
  auto s = NewSession();
  Run(*s,
      "CREATE MATERIALIZED VIEW big_bids AS SELECT auction, price FROM bids "
      "WHERE price > 5000");
  WaitForViews(*s);
  Rows expected;
  for (const auto& [auction, bidder, price] : Bids()) {
    if (price > 5000)
      expected.push_back({std::to_string(auction), std::to_string(price)});
  }
  BOOST_REQUIRE(!expected.empty());
  BOOST_TEST(Sorted(Run(*s, "SELECT * FROM big_bids").rows) ==
             Sorted(expected));
  BOOST_TEST(Run(*s, "EXPLAIN SELECT * FROM big_bids WHERE auction = 1")
                 .text.find("Access path: scan of big_bids") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(drop_stops_the_query_and_frees_the_rows) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("weir-view-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  auto s = NewSession(" SET 'state.dir' = '" + dir.string() + "';");
  Run(*s, kPerAuction);
  WaitForViews(*s);
  std::shared_ptr<const exec::ViewState> rows = s->ViewStateOf("per_auction");
  BOOST_REQUIRE(rows != nullptr);
  BOOST_TEST(rows->size() == PerAuction().size());
  BOOST_TEST(std::filesystem::exists(dir / "per_auction"));

  StatementResult dropped = Run(*s, "DROP MATERIALIZED VIEW per_auction");
  BOOST_TEST(dropped.message.find("Dropped materialized view 'per_auction'") !=
                 std::string::npos,
             dropped.message);
  BOOST_TEST(rows->size() == 0u);  // freed
  BOOST_TEST(s->ViewStateOf("per_auction") == nullptr);
  BOOST_TEST(!std::filesystem::exists(dir / "per_auction"));
  BOOST_TEST(Run(*s, "SHOW QUERIES").rows.empty());
  BOOST_TEST(ErrorOf(*s, "SELECT * FROM per_auction").find("per_auction") !=
             std::string::npos);

  // Created again, it starts afresh from its input (not from what it had).
  Run(*s, kPerAuction);
  WaitForViews(*s);
  BOOST_TEST(Sorted(Run(*s, "SELECT * FROM per_auction").rows) ==
             Sorted(PerAuctionRows([](int64_t, int64_t) { return true; })));
  Run(*s, "DROP MATERIALIZED VIEW per_auction");
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(drop_is_refused_while_a_sink_reads_the_view) {
  // Offline: the sink is defined without starting, so it depends on the
  // view while nothing runs.
  auto s = Session::Create({.connect_to_sources = false,
                            .connectors = connectors::BuiltinConnectors()});
  BOOST_REQUIRE(s.ok());
  Run(**s,
      "CREATE STREAM bids WITH (connector = 'nexmark', table = 'bid', "
      "max-events = 10)");
  Run(**s, kPerAuction);
  Run(**s,
      "CREATE SINK out FROM per_auction WITH (connector = 'kafka', topic = "
      "'out', format = 'json')");
  const std::string error = ErrorOf(**s, "DROP MATERIALIZED VIEW per_auction");
  BOOST_TEST(error.find("sink 'out' depends on it") != std::string::npos,
             error);
  BOOST_TEST((*s)->catalog().Find("per_auction") != nullptr);
  Run(**s, "DROP SINK out");
  Run(**s, "DROP MATERIALIZED VIEW per_auction");
  BOOST_TEST((*s)->catalog().Find("per_auction") == nullptr);
}

BOOST_AUTO_TEST_CASE(view_with_state_dir_resumes_its_rows) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("weir-view-resume-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const std::string setup = " SET 'state.dir' = '" + dir.string() +
                            "'; SET 'checkpoint.interval' = '100ms';";
  const Rows expected =
      Sorted(PerAuctionRows([](int64_t, int64_t) { return true; }));
  {
    auto s = NewSession(setup);
    Run(*s, kPerAuction);
    WaitForViews(*s);
    BOOST_TEST(Sorted(Run(*s, "SELECT * FROM per_auction").rows) == expected);
  }
  // A new process: the same view resumes from its last checkpoint (the end
  // of its bounded input), with its rows and its sources' positions, so it
  // holds the same rows and counts nothing twice.
  auto s = NewSession(setup);
  Run(*s, kPerAuction);
  BOOST_TEST(s->ViewStateOf("per_auction")->size() == expected.size());
  WaitForViews(*s);
  BOOST_TEST(Sorted(Run(*s, "SELECT * FROM per_auction").rows) == expected);
  Run(*s, "DROP MATERIALIZED VIEW per_auction");
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(pull_queries_while_the_view_is_written) {
  // A paced generator keeps the view's query writing while pull queries
  // read it. Every answer is a whole moment of the view: counts per
  // auction only grow with append-only input, so a later answer never has
  // a smaller count for a key, or fewer keys; the last one is the fold.
  constexpr int kPaced = 40000;
  constexpr int64_t kRate = 40000;
  auto s = NewSession(
      " CREATE STREAM paced WITH (connector = 'nexmark', "
      "table = 'bid', max-events = " +
      std::to_string(kPaced) +
      ", events-per-second = " + std::to_string(kRate) + ");");
  Run(*s,
      "CREATE MATERIALIZED VIEW live AS SELECT auction, COUNT(*) AS n FROM "
      "paced GROUP BY auction");
  std::map<std::string, int64_t> last;
  int pulls = 0;
  int partial = 0;
  while (!s->ActiveQueries().empty()) {
    std::map<std::string, int64_t> now;
    int64_t total = 0;
    for (const auto& row : Run(*s, "SELECT auction, n FROM live").rows) {
      BOOST_REQUIRE_EQUAL(row.size(), 2u);
      BOOST_TEST(now.emplace(row[0], std::stoll(row[1])).second,
                 "key " << row[0] << " twice");
      total += std::stoll(row[1]);
    }
    for (const auto& [auction, n] : last) {
      auto it = now.find(auction);
      BOOST_TEST((it != now.end() && it->second >= n),
                 "auction " << auction << " went back");
    }
    if (total > 0 && total < kPaced) ++partial;
    last = std::move(now);
    ++pulls;
  }
  BOOST_TEST_MESSAGE(pulls << " pull queries, " << partial
                           << " of them while the view was being written");
  WaitForViews(*s);
  std::map<std::string, int64_t> fold;
  for (const auto& [auction, bidder, price] : Bids(kPaced, kRate))
    ++fold[std::to_string(auction)];
  std::map<std::string, int64_t> got;
  for (const auto& row : Run(*s, "SELECT auction, n FROM live").rows)
    got[row[0]] = std::stoll(row[1]);
  BOOST_TEST((got == fold));
}

// A view read as a changelog (exec/view_source.h).

BOOST_AUTO_TEST_CASE(push_query_over_a_view_folds_to_the_view) {
  auto s = NewSession();
  Run(*s, kPerAuction);
  // Started while the view's query runs (or after it ended): the copy and
  // the changes after it, until the view's bounded query finished.
  StatementResult push = Run(*s, "SELECT * FROM per_auction EMIT CHANGES");
  BOOST_TEST((push.columns ==
              std::vector<std::string>{"op", "auction", "n", "total"}));
  BOOST_TEST(Sorted(FoldChangelog(push.rows)) ==
             Sorted(PerAuctionRows([](int64_t, int64_t) { return true; })));
  // After the view finished: its rows as +I, and the query ends.
  StatementResult again = Run(*s, "SELECT * FROM per_auction EMIT CHANGES");
  for (const auto& row : again.rows) BOOST_TEST(row[0] == "+I");
  BOOST_TEST(Sorted(FoldChangelog(again.rows)) ==
             Sorted(PerAuctionRows([](int64_t, int64_t) { return true; })));
}

BOOST_AUTO_TEST_CASE(push_query_while_the_view_is_written) {
  // A paced generator keeps the view changing while the push query reads:
  // every change after the copy arrives once, in order (FoldChangelog
  // checks each against the rows before it).
  constexpr int kPaced = 30000;
  constexpr int64_t kRate = 30000;
  auto s = NewSession(
      " CREATE STREAM paced WITH (connector = 'nexmark', "
      "table = 'bid', max-events = " +
      std::to_string(kPaced) +
      ", events-per-second = " + std::to_string(kRate) + ");");
  Run(*s,
      "CREATE MATERIALIZED VIEW live AS SELECT auction, COUNT(*) AS n FROM "
      "paced GROUP BY auction");
  StatementResult push = Run(*s, "SELECT auction, n FROM live EMIT CHANGES");
  Rows expected;
  std::map<int64_t, int64_t> fold;
  for (const auto& [auction, bidder, price] : Bids(kPaced, kRate))
    ++fold[auction];
  for (const auto& [auction, n] : fold)
    expected.push_back({std::to_string(auction), std::to_string(n)});
  BOOST_TEST(Sorted(FoldChangelog(push.rows)) == Sorted(expected));
}

BOOST_AUTO_TEST_CASE(view_over_a_view) {
  auto s = NewSession();
  Run(*s, kPerAuction);
  // A filter of a view, keyed by its key, and an aggregate over a view
  // (which sees the view's updates as -U/+U).
  Run(*s,
      "CREATE MATERIALIZED VIEW busy AS SELECT auction, n FROM per_auction "
      "WHERE n > 3");
  Run(*s,
      "CREATE MATERIALIZED VIEW by_n AS SELECT n, COUNT(*) AS auctions FROM "
      "per_auction GROUP BY n");
  WaitForViews(*s);
  Rows busy;
  std::map<int64_t, int64_t> by_n;
  for (const auto& [auction, v] : PerAuction()) {
    if (v.first > 3)
      busy.push_back({std::to_string(auction), std::to_string(v.first)});
    ++by_n[v.first];
  }
  BOOST_REQUIRE(!busy.empty());
  BOOST_TEST(Sorted(Run(*s, "SELECT * FROM busy").rows) == Sorted(busy));
  Rows expected_by_n;
  for (const auto& [n, auctions] : by_n)
    expected_by_n.push_back({std::to_string(n), std::to_string(auctions)});
  BOOST_TEST(Sorted(Run(*s, "SELECT * FROM by_n").rows) ==
             Sorted(expected_by_n));
  // Each reads per_auction: it cannot be dropped first.
  const std::string error = ErrorOf(*s, "DROP MATERIALIZED VIEW per_auction");
  BOOST_TEST(error.find("depend on it") != std::string::npos, error);
}

BOOST_AUTO_TEST_CASE(full_reader_queue_recopies_the_view) {
  // A queue of 4 changes overflows at once; the reader copies the view
  // again and emits the difference, so it still converges to the view.
  auto schema = std::make_shared<const types::Schema>(std::vector<types::Field>{
      {"k", types::LogicalType::Bigint(), false},
      {"v", types::LogicalType::Bigint(), false}});
  auto view = std::make_shared<exec::ViewState>(schema, std::vector<int>{0});
  view->AddWriters(1);
  auto put = [&](int64_t k, int64_t v) {
    view->Apply({{view->KeyOf({types::Value::Bigint(k), types::Value::Bigint(v)}),
                  exec::ViewRow{types::Value::Bigint(k),
                                types::Value::Bigint(v)}}});
  };
  auto del = [&](int64_t k) {
    view->Apply({{view->KeyOf({types::Value::Bigint(k), types::Value::Bigint(0)}),
                  std::nullopt}});
  };
  for (int64_t k = 0; k < 10; ++k) put(k, k);
  std::unique_ptr<exec::Source> source =
      exec::OpenViewChangelogSource(view, 0, /*queue_changes=*/4);
  std::unique_ptr<exec::Source> idle = exec::OpenViewChangelogSource(view, 1);
  Rows changes;
  auto drain = [&] {
    types::Batch batch(schema);
    absl::StatusOr<size_t> n = source->Next(&batch, 3);
    BOOST_REQUIRE(n.ok());
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      changes.push_back({types::ChangeKindSymbol(batch.change(r)),
                         batch.column(0).GetValue(r).ToString(),
                         batch.column(1).GetValue(r).ToString()});
    }
    return *n;
  };
  drain();  // the copy starts
  std::map<int64_t, int64_t> expected;
  for (int64_t k = 0; k < 10; ++k) expected[k] = k;
  for (int64_t i = 0; i < 50; ++i) {
    const int64_t k = i % 13;
    if (i % 7 == 3) {
      del(k);
      expected.erase(k);
    } else {
      put(k, 100 + i);
      expected[k] = 100 + i;
    }
    if (i % 10 == 0) drain();
  }
  view->WriterFinished();
  for (int rounds = 0; !source->finished(); ++rounds) {
    BOOST_REQUIRE(rounds < 1000);
    drain();
  }
  BOOST_TEST(idle->finished());
  Rows want;
  for (const auto& [k, v] : expected)
    want.push_back({std::to_string(k), std::to_string(v)});
  BOOST_TEST(Sorted(FoldChangelog(changes)) == Sorted(want));
}

BOOST_AUTO_TEST_CASE(view_over_a_view_resumes_without_counting_twice) {
  // by_n aggregates per_auction's rows; both keep state. Resumed, by_n's
  // reader copies per_auction again and compares it with the rows its own
  // checkpoint holds, so nothing is counted twice (a full copy as +I would
  // double every count).
  const std::string dir = TempDir("weir-view-over-view-");
  const std::string setup =
      " SET 'state.dir' = '" + dir + "'; SET 'checkpoint.interval' = '100ms';";
  const std::string by_n_sql =
      "CREATE MATERIALIZED VIEW by_n AS SELECT n, COUNT(*) AS auctions FROM "
      "per_auction GROUP BY n";
  std::map<int64_t, int64_t> by_n;
  for (const auto& [auction, v] : PerAuction()) ++by_n[v.first];
  Rows expected;
  for (const auto& [n, auctions] : by_n)
    expected.push_back({std::to_string(n), std::to_string(auctions)});
  for (int run = 0; run < 2; ++run) {
    auto s = NewSession(setup);
    Run(*s, kPerAuction);
    Run(*s, by_n_sql);
    WaitForViews(*s);
    BOOST_TEST(Sorted(Run(*s, "SELECT * FROM by_n").rows) == Sorted(expected),
               "run " << run);
    if (run == 1) {
      BOOST_TEST(Run(*s, "SHOW QUERIES").rows.size() == 2u);
      for (const auto& q : Run(*s, "SHOW QUERIES").rows) {
        const std::string all = q[0] + " " + q[8];
        BOOST_TEST(all.find("resumed from") != std::string::npos, all);
      }
    }
  }
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(a_resumed_reader_emits_only_what_changed_meanwhile) {
  // A reader with a store emits the view and keeps what it emitted; the
  // view then changes while no reader runs (a key deleted, a row changed,
  // a key added); a new reader over the same store (as after a restart
  // from its checkpoint) emits exactly those changes.
  auto schema = std::make_shared<const types::Schema>(
      std::vector<types::Field>{{"k", types::LogicalType::Bigint(), false},
                                {"v", types::LogicalType::Varchar(), true}});
  auto view = std::make_shared<exec::ViewState>(schema, std::vector<int>{0});
  view->AddWriters(1);
  auto row = [](int64_t k, std::optional<std::string> v) {
    return exec::ViewRow{types::Value::Bigint(k),
                         v ? types::Value::Varchar(*v)
                           : types::Value::Null(types::LogicalType::Varchar())};
  };
  auto put = [&](int64_t k, std::optional<std::string> v) {
    view->Apply({{view->KeyOf(row(k, v)), row(k, v)}});
  };
  for (int64_t k = 1; k <= 5; ++k) put(k, "v" + std::to_string(k));
  put(6, std::nullopt);
  const std::string dir = TempDir("weir-view-reader-");
  auto backend = storage::StateBackend::Open({.dir = dir});
  BOOST_REQUIRE_MESSAGE(backend.ok(), backend.status().message());
  auto opened = (*backend)->OpenStore("source0");
  BOOST_REQUIRE_MESSAGE(opened.ok(), opened.status().message());
  std::shared_ptr<storage::StateStore> store = *std::move(opened);
  auto read = [&](exec::Source& source) {
    Rows changes;
    types::Batch batch(schema);
    absl::StatusOr<size_t> n = source.Next(&batch, 100);
    BOOST_REQUIRE_MESSAGE(n.ok(), n.status().message());
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      changes.push_back({types::ChangeKindSymbol(batch.change(r)),
                         batch.column(0).GetValue(r).ToString(),
                         batch.column(1).GetValue(r).ToString()});
    }
    return changes;
  };
  {
    std::unique_ptr<exec::Source> first =
        exec::OpenViewChangelogSource(view, 0);
    BOOST_REQUIRE(first->wants_store());
    first->AttachStore(store);
    const Rows copy = read(*first);
    BOOST_TEST(copy.size() == 6u);
    for (const auto& c : copy) BOOST_TEST(c[0] == "+I");
  }
  view->Apply({{view->KeyOf(row(2, "v2")), std::nullopt}});
  put(3, "changed");
  put(7, "new");
  view->Apply({{view->KeyOf(row(6, std::nullopt)), std::nullopt}});
  put(6, "was null");
  std::unique_ptr<exec::Source> resumed =
      exec::OpenViewChangelogSource(view, 0);
  resumed->AttachStore(store);
  BOOST_REQUIRE(resumed->StartAt(exec::SourcePosition{}).ok());
  const Rows expected = {{"-D", "2", "v2"},       {"-U", "3", "v3"},
                         {"+U", "3", "changed"},  {"-U", "6", "NULL"},
                         {"+U", "6", "was null"}, {"+I", "7", "new"}};
  BOOST_TEST(read(*resumed) == expected);
  // Then the view's changes as they come.
  put(1, "later");
  BOOST_TEST(read(*resumed) == (Rows{{"-U", "1", "v1"}, {"+U", "1", "later"}}));
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(drop_while_the_view_runs_removes_its_state) {
  // DROP stops the view's query and removes its kept state at once: the
  // worker that ended the query's last task must not still hold the state
  // directory open (that made "is in use" about one DROP in three).
  const std::string dir = TempDir("weir-view-drop-");
  for (int i = 0; i < 10; ++i) {
    auto s = NewSession(" SET 'state.dir' = '" + dir +
                        "'; SET 'checkpoint.interval' = '50ms'; CREATE "
                        "STREAM live WITH (connector = 'nexmark', table = "
                        "'bid', events-per-second = 200000);");
    Run(*s,
        "CREATE MATERIALIZED VIEW live_counts AS SELECT auction, COUNT(*) AS "
        "n FROM live GROUP BY auction");
    while (s->ViewStateOf("live_counts")->size() == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    const std::string dropped =
        Run(*s, "DROP MATERIALIZED VIEW live_counts").message;
    BOOST_TEST(dropped.find("Removed the query state") != std::string::npos,
               "round " << i << ": " << dropped);
    BOOST_TEST(!std::filesystem::exists(std::filesystem::path(dir) /
                                        "live_counts"));
  }
  std::filesystem::remove_all(dir);
}

// The built-in generators: nexmark (person/auction/bid, 1:3:46) and datagen.
// Expected values are computed independently of the generators (event
// numbers from the 50-event cycle, reference sets of earlier ids, closed-form
// counts), never copied from their output.
#define BOOST_TEST_MODULE generators_test
#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "connectors/generators/datagen.h"
#include "connectors/generators/nexmark.h"
#include "engine/types/batch.h"

using namespace weir::types;
using namespace weir::connectors::generators;

namespace {

using Rows = std::vector<std::vector<Value>>;
using OptionList = std::vector<std::pair<std::string, std::string>>;

constexpr int64_t kFirst = kNexmarkDefaultFirstEventTime;

std::shared_ptr<const Schema> StandardSchema(NexmarkTable table) {
  return std::make_shared<Schema>(NexmarkStandardFields(table));
}

// The standard schema with date_time (and expires) as TIMESTAMP(6).
std::shared_ptr<const Schema> MicrosSchema(NexmarkTable table) {
  std::vector<Field> fields = NexmarkStandardFields(table);
  for (Field& f : fields) {
    if (f.type.id() == TypeId::kTimestamp)
      f.type = LogicalType::TimestampOrDie(6);
  }
  return std::make_shared<Schema>(fields);
}

std::shared_ptr<const Schema> SchemaOf(std::vector<Field> fields) {
  return std::make_shared<Schema>(std::move(fields));
}

template <typename Generator>
Rows Drain(Generator& gen, size_t batch_rows = 1000) {
  Rows rows;
  Batch batch(gen.schema());
  while (true) {
    batch.Clear();
    size_t n = gen.Next(&batch, batch_rows);
    BOOST_REQUIRE_EQUAL(batch.num_rows(), n);
    if (n == 0) break;
    for (auto& row : batch.ToRows()) rows.push_back(std::move(row));
  }
  return rows;
}

Rows Nexmark(NexmarkTable table, NexmarkOptions options,
             std::shared_ptr<const Schema> schema = nullptr, int split = 0,
             int splits = 1) {
  if (!schema) schema = StandardSchema(table);
  auto gen =
      NexmarkGenerator::CreateSplit(table, options, schema, split, splits);
  BOOST_REQUIRE_MESSAGE(gen.ok(), gen.status().ToString());
  return Drain(**gen);
}

NexmarkOptions Bounded(int64_t max_events, uint64_t seed = 7) {
  NexmarkOptions o;
  o.max_events = max_events;
  o.seed = seed;
  return o;
}

// A canonical, type-tagged encoding of a row, for multiset comparisons.
std::string Encode(const std::vector<Value>& row) {
  std::string s;
  for (const Value& v : row) {
    s += v.type().ToString();
    s += ':';
    s += v.ToSqlLiteral();
    s += '\x1f';
  }
  return s;
}

std::multiset<std::string> Multiset(const Rows& rows) {
  std::multiset<std::string> out;
  for (const auto& r : rows) out.insert(Encode(r));
  return out;
}

size_t Col(const Schema& schema, const std::string& name) {
  auto i = schema.IndexOf(name);
  BOOST_REQUIRE(i.has_value());
  return *i;
}

// Which table event n of the global sequence belongs to, from the 1:3:46
// cycle alone.
NexmarkTable TableOfEvent(int64_t n) {
  const int64_t offset = n % 50;
  if (offset == 0) return NexmarkTable::kPerson;
  if (offset <= 3) return NexmarkTable::kAuction;
  return NexmarkTable::kBid;
}

}  // namespace

// ------------------------------------------------------------------ nexmark

BOOST_AUTO_TEST_SUITE(nexmark)

BOOST_AUTO_TEST_CASE(same_seed_same_rows_different_seed_different_rows) {
  for (NexmarkTable t :
       {NexmarkTable::kPerson, NexmarkTable::kAuction, NexmarkTable::kBid}) {
    Rows a = Nexmark(t, Bounded(5000, 1));
    Rows b = Nexmark(t, Bounded(5000, 1));
    Rows c = Nexmark(t, Bounded(5000, 2));
    BOOST_REQUIRE(!a.empty());
    BOOST_TEST((a == b));
    BOOST_REQUIRE_EQUAL(a.size(), c.size());
    size_t differing = 0;
    for (size_t i = 0; i < a.size(); ++i) differing += a[i] == c[i] ? 0 : 1;
    // Every row has a random extra padding of dozens of letters.
    BOOST_TEST(differing == a.size());
  }
}

BOOST_AUTO_TEST_CASE(proportions_are_1_3_46_over_50000_events) {
  const int64_t events = 50000;
  const size_t persons = Nexmark(NexmarkTable::kPerson, Bounded(events)).size();
  const size_t auctions =
      Nexmark(NexmarkTable::kAuction, Bounded(events)).size();
  const size_t bids = Nexmark(NexmarkTable::kBid, Bounded(events)).size();
  BOOST_TEST(persons == 1000u);
  BOOST_TEST(auctions == 3000u);
  BOOST_TEST(bids == 46000u);
  BOOST_TEST(persons + auctions + bids == static_cast<size_t>(events));
}

BOOST_AUTO_TEST_CASE(ids_start_at_1000_and_are_consecutive) {
  Rows persons = Nexmark(NexmarkTable::kPerson, Bounded(10000));
  Rows auctions = Nexmark(NexmarkTable::kAuction, Bounded(10000));
  for (size_t i = 0; i < persons.size(); ++i)
    BOOST_TEST(persons[i][0].integer() == 1000 + int64_t(i));
  for (size_t i = 0; i < auctions.size(); ++i)
    BOOST_TEST(auctions[i][0].integer() == 1000 + int64_t(i));
}

// With one event per microsecond and TIMESTAMP(6) columns, date_time names
// each row's event number; bids and auctions may only refer to people and
// auctions of strictly earlier events.
BOOST_AUTO_TEST_CASE(bids_and_auctions_reference_only_earlier_ids) {
  NexmarkOptions o = Bounded(60000, 3);
  o.events_per_second = 1000000;
  auto event_of = [&](const Value& ts) { return ts.integer() - kFirst; };
  const auto ps = MicrosSchema(NexmarkTable::kPerson);
  const auto as = MicrosSchema(NexmarkTable::kAuction);
  const auto bs = MicrosSchema(NexmarkTable::kBid);
  std::map<int64_t, int64_t> person_event, auction_event;  // id -> event
  for (const auto& r : Nexmark(NexmarkTable::kPerson, o, ps)) {
    const int64_t n = event_of(r[Col(*ps, "date_time")]);
    BOOST_REQUIRE((TableOfEvent(n) == NexmarkTable::kPerson));
    person_event[r[Col(*ps, "id")].integer()] = n;
  }
  for (const auto& r : Nexmark(NexmarkTable::kAuction, o, as)) {
    const int64_t n = event_of(r[Col(*as, "date_time")]);
    BOOST_REQUIRE((TableOfEvent(n) == NexmarkTable::kAuction));
    auction_event[r[Col(*as, "id")].integer()] = n;
    auto seller = person_event.find(r[Col(*as, "seller")].integer());
    BOOST_REQUIRE(seller != person_event.end());
    BOOST_TEST(seller->second < n);
    BOOST_TEST(r[Col(*as, "expires")].integer() >
               r[Col(*as, "date_time")].integer());
    const int64_t category = r[Col(*as, "category")].integer();
    BOOST_TEST((category >= 10 && category < 15));
    BOOST_TEST(r[Col(*as, "reserve")].integer() >=
               r[Col(*as, "initial_bid")].integer());
  }
  size_t cheap = 0, bids = 0;
  std::set<int64_t> auctions_bid_on;
  std::map<std::string, size_t> channels;
  for (const auto& r : Nexmark(NexmarkTable::kBid, o, bs)) {
    const int64_t n = event_of(r[Col(*bs, "date_time")]);
    BOOST_REQUIRE((TableOfEvent(n) == NexmarkTable::kBid));
    auto auction = auction_event.find(r[Col(*bs, "auction")].integer());
    BOOST_REQUIRE(auction != auction_event.end());
    BOOST_TEST(auction->second < n);
    auto bidder = person_event.find(r[Col(*bs, "bidder")].integer());
    BOOST_REQUIRE(bidder != person_event.end());
    BOOST_TEST(bidder->second < n);
    const int64_t price = r[Col(*bs, "price")].integer();
    BOOST_TEST((price >= 100 && price <= 100000000));
    cheap += price < 100000 ? 1 : 0;
    ++bids;
    auctions_bid_on.insert(r[Col(*bs, "auction")].integer());
    ++channels[r[Col(*bs, "channel")].str()];
    BOOST_TEST(r[Col(*bs, "url")].str().rfind("https://www.nexmark.com/", 0) ==
               0);
  }
  // Prices are 100 * 10^(6u), u uniform: P(price < 10^5) = P(u < 1/2). With
  // 55,200 bids the standard deviation of the fraction is 0.0021; 0.015 is
  // seven of them.
  BOOST_TEST(std::abs(double(cheap) / double(bids) - 0.5) < 0.015);
  // Hot auctions (half the bids) concentrate on few ids, the rest spread
  // over the last 100 auctions.
  BOOST_TEST(auctions_bid_on.size() > 100u);
  // Half the bids go to the 4 hot channels (1/8 each in expectation).
  for (const char* hot : {"Google", "Facebook", "Baidu", "Apple"}) {
    BOOST_TEST(std::abs(double(channels[hot]) / double(bids) - 0.125) < 0.01);
  }
}

BOOST_AUTO_TEST_CASE(timestamps_follow_the_configured_rate) {
  // Event n is at first + n / rate seconds; the k-th bid is event
  // 50 * (k / 46) + 4 + k % 46.
  auto opts =
      NexmarkOptions::FromOptions({{"connector", "nexmark"},
                                   {"table", "bid"},
                                   {"events-per-second", "1000"},
                                   {"first-event-time", "2026-03-01 12:00:00"},
                                   {"max-events", "20000"}});
  BOOST_REQUIRE(opts.ok());
  const int64_t first = *ParseTimestamp("2026-03-01 12:00:00");
  BOOST_TEST(opts->first_event_time_micros == first);
  auto schema = MicrosSchema(NexmarkTable::kBid);
  Rows rows = Nexmark(NexmarkTable::kBid, *opts, schema);
  const size_t ts = Col(*schema, "date_time");
  BOOST_REQUIRE_EQUAL(rows.size(), 18400u);
  for (size_t k = 0; k < rows.size(); ++k) {
    const int64_t n = 50 * int64_t(k / 46) + 4 + int64_t(k % 46);
    BOOST_REQUIRE_EQUAL(rows[k][ts].integer(), first + n * 1000);  // 1 ms apart
  }
  // Default rate (10,000/s) into TIMESTAMP(3): non-decreasing, whole ms,
  // and event n at floor((first + n * 100us) / 1ms).
  Rows def = Nexmark(NexmarkTable::kBid, Bounded(5000));
  const size_t dts = Col(*StandardSchema(NexmarkTable::kBid), "date_time");
  for (size_t k = 0; k < def.size(); ++k) {
    const int64_t n = 50 * int64_t(k / 46) + 4 + int64_t(k % 46);
    BOOST_REQUIRE_EQUAL(def[k][dts].integer(),
                        (kFirst + n * 100) / 1000 * 1000);
    if (k > 0)
      BOOST_REQUIRE(def[k][dts].integer() >= def[k - 1][dts].integer());
  }
}

BOOST_AUTO_TEST_CASE(max_events_is_respected_exactly) {
  for (int64_t max : {1, 4, 5, 49, 50, 51, 1234, 5000}) {
    size_t expected[3] = {0, 0, 0};
    for (int64_t n = 0; n < max; ++n)
      ++expected[static_cast<int>(TableOfEvent(n))];
    for (NexmarkTable t :
         {NexmarkTable::kPerson, NexmarkTable::kAuction, NexmarkTable::kBid}) {
      auto gen = NexmarkGenerator::Create(t, Bounded(max), StandardSchema(t));
      BOOST_REQUIRE(gen.ok());
      Rows rows = Drain(**gen, 7);
      BOOST_TEST(rows.size() == expected[static_cast<int>(t)], "max " << max);
      BOOST_TEST((*gen)->finished());
      BOOST_TEST((*gen)->events_generated() == max);
      Batch b((*gen)->schema());
      BOOST_TEST((*gen)->Next(&b, 100) == 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(unbounded_generator_keeps_going) {
  NexmarkOptions o;
  auto gen = NexmarkGenerator::Create(NexmarkTable::kBid, o,
                                      StandardSchema(NexmarkTable::kBid));
  BOOST_REQUIRE(gen.ok());
  Batch b((*gen)->schema());
  for (int i = 0; i < 10; ++i) BOOST_TEST((*gen)->Next(&b, 2048) == 2048u);
  BOOST_TEST(b.num_rows() == 20480u);  // appended after the rows already there
  BOOST_TEST(!(*gen)->finished());
}

BOOST_AUTO_TEST_CASE(splits_partition_the_single_generator_output) {
  for (NexmarkTable t :
       {NexmarkTable::kPerson, NexmarkTable::kAuction, NexmarkTable::kBid}) {
    for (int splits : {2, 3, 7}) {
      const NexmarkOptions o = Bounded(20011, 5);
      Rows single = Nexmark(t, o);
      std::multiset<std::string> expected = Multiset(single);
      std::multiset<std::string> merged;
      size_t total = 0;
      for (int i = 0; i < splits; ++i) {
        Rows part = Nexmark(t, o, nullptr, i, splits);
        total += part.size();
        for (const auto& r : part) merged.insert(Encode(r));
      }
      BOOST_TEST(total == single.size());
      BOOST_TEST((merged == expected),
                 "table " << NexmarkTableName(t) << ", " << splits);
    }
  }
  BOOST_TEST(!NexmarkGenerator::CreateSplit(NexmarkTable::kBid, Bounded(10),
                                            StandardSchema(NexmarkTable::kBid),
                                            3, 3)
                  .ok());
}

BOOST_AUTO_TEST_CASE(schema_subsets_and_reorderings) {
  const NexmarkOptions o = Bounded(3000);
  const auto full_schema = StandardSchema(NexmarkTable::kAuction);
  Rows full = Nexmark(NexmarkTable::kAuction, o);
  auto sub = SchemaOf({{"Extra", LogicalType::Varchar(), true},
                       {"seller", LogicalType::Bigint(), true},
                       {"ID", LogicalType::Bigint(), false},
                       {"expires", LogicalType::TimestampOrDie(3), true}});
  Rows part = Nexmark(NexmarkTable::kAuction, o, sub);
  BOOST_REQUIRE_EQUAL(part.size(), full.size());
  for (size_t i = 0; i < full.size(); ++i) {
    BOOST_REQUIRE((part[i][0] == full[i][Col(*full_schema, "extra")]));
    BOOST_REQUIRE((part[i][1] == full[i][Col(*full_schema, "seller")]));
    BOOST_REQUIRE((part[i][2] == full[i][Col(*full_schema, "id")]));
    BOOST_REQUIRE((part[i][3] == full[i][Col(*full_schema, "expires")]));
  }
  auto unknown = NexmarkGenerator::Create(
      NexmarkTable::kBid, o,
      SchemaOf({{"auction", LogicalType::Bigint(), false},
                {"colour", LogicalType::Varchar(), true}}));
  BOOST_REQUIRE(!unknown.ok());
  BOOST_TEST(std::string(unknown.status().message()).find("colour") !=
             std::string::npos);
  auto wrong_type = NexmarkGenerator::Create(
      NexmarkTable::kBid, o,
      SchemaOf({{"price", LogicalType::Varchar(), false}}));
  BOOST_TEST(!wrong_type.ok());
}

BOOST_AUTO_TEST_CASE(rows_look_like_the_reference) {
  const auto ps = StandardSchema(NexmarkTable::kPerson);
  Rows persons = Nexmark(NexmarkTable::kPerson, Bounded(50000));
  double extra = 0;
  for (const auto& r : persons) {
    const std::string& email = r[Col(*ps, "email_address")].str();
    BOOST_REQUIRE(email.find('@') != std::string::npos);
    BOOST_REQUIRE(email.size() > 4 && email.substr(email.size() - 4) == ".com");
    const std::string& card = r[Col(*ps, "credit_card")].str();
    BOOST_REQUIRE_EQUAL(card.size(), 19u);
    BOOST_REQUIRE(r[Col(*ps, "name")].str().find(' ') != std::string::npos);
    BOOST_REQUIRE_EQUAL(r[Col(*ps, "state")].str().size(), 2u);
    extra += double(r[Col(*ps, "extra")].str().size());
  }
  // The padding brings a person to ~200 bytes: ~61 bytes of fields + extra.
  BOOST_TEST(extra / double(persons.size()) > 120);
  BOOST_TEST(extra / double(persons.size()) < 160);
}

BOOST_AUTO_TEST_CASE(options_are_parsed_and_checked) {
  auto o = NexmarkOptions::FromOptions({{"connector", "nexmark"},
                                        {"table", "bid"},
                                        {"seed", "42"},
                                        {"max-events", "10"}});
  BOOST_REQUIRE(o.ok());
  BOOST_TEST(o->seed == 42u);
  BOOST_TEST(o->max_events == 10);
  BOOST_TEST(o->events_per_second == 10000);
  BOOST_TEST(o->first_event_time_micros ==
             *ParseTimestamp("2026-01-01 00:00:00"));
  BOOST_TEST(!NexmarkOptions::FromOptions({{"events-per-second", "0"}}).ok());
  BOOST_TEST(!NexmarkOptions::FromOptions({{"max-events", "ten"}}).ok());
  BOOST_TEST(
      !NexmarkOptions::FromOptions({{"first-event-time", "yesterday"}}).ok());
  BOOST_TEST(!NexmarkOptions::FromOptions({{"evnets-per-second", "5"}}).ok());
  BOOST_TEST((*ParseNexmarkTable("Bid") == NexmarkTable::kBid));
  BOOST_TEST(!ParseNexmarkTable("bids").ok());
}

BOOST_AUTO_TEST_CASE(bid_throughput) {
  NexmarkOptions o;
  auto gen = NexmarkGenerator::Create(NexmarkTable::kBid, o,
                                      StandardSchema(NexmarkTable::kBid));
  BOOST_REQUIRE(gen.ok());
  Batch b((*gen)->schema());
  const size_t kRows = 4000000;
  size_t rows = 0;
  // CPU time of this thread: the build machine is shared, wall time is not
  // this code's.
  auto cpu_seconds = [] {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return double(t.tv_sec) + double(t.tv_nsec) * 1e-9;
  };
  const double start = cpu_seconds();
  while (rows < kRows) {
    b.Clear();
    rows += (*gen)->Next(&b, Batch::kDefaultCapacity);
  }
  const double secs = cpu_seconds() - start;
  BOOST_TEST_MESSAGE("nexmark bids: "
                     << rows << " rows in " << secs
                     << " s of CPU = " << double(rows) / secs / 1e6
                     << " M rows/s per core (2048-row batches, all 7 columns)");
  BOOST_TEST(rows == kRows + (Batch::kDefaultCapacity -
                              kRows % Batch::kDefaultCapacity) %
                                 Batch::kDefaultCapacity);
}

BOOST_AUTO_TEST_SUITE_END()

// ------------------------------------------------------------------ datagen

BOOST_AUTO_TEST_SUITE(datagen)

namespace {

constexpr int64_t kNow =
    1767225600LL * 1000000 + 12345678;  // 2026-01-01 00:00:12.345678

absl::StatusOr<std::unique_ptr<DatagenGenerator>> MakeDatagen(
    std::shared_ptr<const Schema> schema, OptionList options, int split = 0,
    int splits = 1) {
  auto o = DatagenOptions::FromOptions(options);
  if (!o.ok()) return o.status();
  o->now_micros = kNow;
  return DatagenGenerator::CreateSplit(*o, std::move(schema), split, splits);
}

Rows Datagen(std::shared_ptr<const Schema> schema, OptionList options,
             int split = 0, int splits = 1) {
  auto gen = MakeDatagen(std::move(schema), std::move(options), split, splits);
  BOOST_REQUIRE_MESSAGE(gen.ok(), gen.status().ToString());
  return Drain(**gen, 333);
}

std::shared_ptr<const Schema> AllTypes() {
  return SchemaOf({{"b", LogicalType::Boolean(), true},
                   {"i", LogicalType::Int(), true},
                   {"l", LogicalType::Bigint(), true},
                   {"d", LogicalType::Double(), true},
                   {"m", LogicalType::DecimalOrDie(5, 2), true},
                   {"s", LogicalType::Varchar(), true},
                   {"day", LogicalType::Date(), true},
                   {"t", LogicalType::Time(), true},
                   {"ts", LogicalType::TimestampOrDie(3), true}});
}

}  // namespace

BOOST_AUTO_TEST_CASE(random_values_stay_in_their_ranges) {
  Rows rows = Datagen(AllTypes(), {{"number-of-rows", "20000"},
                                   {"fields.i.min", "-5"},
                                   {"fields.i.max", "5"},
                                   {"fields.d.min", "1.5"},
                                   {"fields.d.max", "2.5"},
                                   {"fields.m.min", "-1.25"},
                                   {"fields.m.max", "1.5"},
                                   {"fields.s.length", "7"},
                                   {"fields.day.min", "2026-02-01"},
                                   {"fields.day.max", "2026-02-03"},
                                   {"fields.ts.min", "2026-01-01 00:00:00"},
                                   {"fields.ts.max", "2026-01-01 00:00:01"}});
  BOOST_REQUIRE_EQUAL(rows.size(), 20000u);
  std::set<int64_t> ints, days;
  std::set<bool> bools;
  const int64_t ts_min = *ParseTimestamp("2026-01-01 00:00:00");
  const int64_t day_min = *ParseDate("2026-02-01");
  for (const auto& r : rows) {
    bools.insert(r[0].boolean());
    ints.insert(r[1].integer());
    BOOST_REQUIRE((r[3].dbl() >= 1.5 && r[3].dbl() <= 2.5));
    BOOST_REQUIRE((r[4].decimal() >= -125 && r[4].decimal() <= 150));
    BOOST_REQUIRE_EQUAL(r[5].str().size(), 7u);
    BOOST_REQUIRE(std::all_of(r[5].str().begin(), r[5].str().end(),
                              [](char c) { return c >= 'a' && c <= 'z'; }));
    days.insert(r[6].integer());
    BOOST_REQUIRE((r[7].integer() >= 0 && r[7].integer() < 86400LL * 1000000));
    const int64_t ts = r[8].integer();
    BOOST_REQUIRE((ts >= ts_min && ts <= ts_min + 1000000));
    BOOST_REQUIRE_EQUAL(ts % 1000, 0);  // TIMESTAMP(3): whole milliseconds
  }
  BOOST_TEST(bools.size() == 2u);
  BOOST_TEST((ints == std::set<int64_t>{-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5}));
  BOOST_TEST((days == std::set<int64_t>{day_min, day_min + 1, day_min + 2}));
}

BOOST_AUTO_TEST_CASE(defaults_without_bounds) {
  Rows rows = Datagen(AllTypes(), {{"number-of-rows", "2000"}});
  for (const auto& r : rows) {
    BOOST_REQUIRE((r[3].dbl() >= 0 && r[3].dbl() < 1));
    BOOST_REQUIRE((r[4].decimal() >= -99999 && r[4].decimal() <= 99999));
    BOOST_REQUIRE_EQUAL(r[5].str().size(), 100u);
    // Timestamps: in the hour before "now".
    BOOST_REQUIRE(
        (r[8].integer() <= kNow && r[8].integer() >= kNow - 3600LL * 1000000));
  }
}

BOOST_AUTO_TEST_CASE(sequences_count_and_stop) {
  auto schema = SchemaOf({{"id", LogicalType::Bigint(), false},
                          {"name", LogicalType::Varchar(), true},
                          {"amount", LogicalType::DecimalOrDie(6, 2), true}});
  Rows rows = Datagen(schema, {{"fields.id.kind", "sequence"},
                               {"fields.id.start", "10"},
                               {"fields.id.end", "1009"},
                               {"fields.name.kind", "sequence"},
                               {"fields.name.start", "-3"},
                               {"fields.name.end", "5000"},
                               {"fields.amount.kind", "sequence"},
                               {"fields.amount.start", "0.5"},
                               {"fields.amount.end", "2000.5"}});
  // The shortest sequence (id: 1000 values) bounds the stream.
  BOOST_REQUIRE_EQUAL(rows.size(), 1000u);
  for (size_t i = 0; i < rows.size(); ++i) {
    BOOST_REQUIRE_EQUAL(rows[i][0].integer(), 10 + int64_t(i));
    BOOST_REQUIRE_EQUAL(rows[i][1].str(), std::to_string(-3 + int64_t(i)));
    BOOST_REQUIRE((rows[i][2].decimal() == 50 + 100 * __int128(i)));
  }
  // number-of-rows below the sequence's length wins.
  BOOST_TEST(Datagen(schema, {{"number-of-rows", "42"},
                              {"fields.id.kind", "sequence"},
                              {"fields.id.start", "1"},
                              {"fields.id.end", "100"}})
                 .size() == 42u);
}

BOOST_AUTO_TEST_CASE(null_rates) {
  auto schema = SchemaOf({{"a", LogicalType::Bigint(), true},
                          {"b", LogicalType::Varchar(), true},
                          {"c", LogicalType::Double(), false}});
  const size_t n = 100000;
  Rows rows = Datagen(schema, {{"number-of-rows", std::to_string(n)},
                               {"fields.a.null-rate", "0.1"},
                               {"fields.b.null-rate", "0.5"},
                               {"fields.b.length", "3"}});
  size_t nulls[3] = {0, 0, 0};
  for (const auto& r : rows) {
    for (int c = 0; c < 3; ++c) nulls[c] += r[c].is_null() ? 1 : 0;
  }
  // Nulls are Binomial(n, p): sd = sqrt(n p (1 - p)) = 95 for p = 0.1 and 158
  // for p = 0.5. A tolerance of 5 sd (475, 790) fails by chance with
  // probability < 1e-6, and the seed is fixed anyway.
  BOOST_TEST(std::abs(double(nulls[0]) - 10000.0) < 475.0);
  BOOST_TEST(std::abs(double(nulls[1]) - 50000.0) < 790.0);
  BOOST_TEST(nulls[2] == 0u);
  auto not_null = MakeDatagen(schema, {{"fields.c.null-rate", "0.2"}});
  BOOST_TEST(!not_null.ok());
}

BOOST_AUTO_TEST_CASE(number_of_rows_is_exact_and_unbounded_keeps_going) {
  auto schema = SchemaOf({{"x", LogicalType::Int(), true}});
  BOOST_TEST(Datagen(schema, {{"number-of-rows", "1000"}}).size() == 1000u);
  auto gen = MakeDatagen(schema, {{"rows-per-second", "50"}});
  BOOST_REQUIRE(gen.ok());
  BOOST_TEST((*gen)->rows_per_second() == 50);
  BOOST_TEST(!(*gen)->total_rows().has_value());
  Batch b(schema);
  BOOST_TEST((*gen)->Next(&b, 5000) == 5000u);
  BOOST_TEST(!(*gen)->finished());
}

BOOST_AUTO_TEST_CASE(determinism_and_splits) {
  auto schema = AllTypes();
  OptionList o = {
      {"number-of-rows", "3001"}, {"seed", "9"}, {"fields.l.null-rate", "0.3"}};
  Rows a = Datagen(schema, o);
  BOOST_TEST((a == Datagen(schema, o)));
  OptionList other = o;
  other[1].second = "10";
  Rows c = Datagen(schema, other);
  BOOST_REQUIRE_EQUAL(a.size(), c.size());
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == c[i] ? 1 : 0;
  BOOST_TEST(same == 0u);
  for (int splits : {2, 3, 5}) {
    std::multiset<std::string> merged;
    for (int i = 0; i < splits; ++i) {
      for (const auto& r : Datagen(schema, o, i, splits))
        merged.insert(Encode(r));
    }
    BOOST_TEST((merged == Multiset(a)), splits << " splits");
  }
}

BOOST_AUTO_TEST_CASE(bad_options_are_errors) {
  auto schema = SchemaOf(
      {{"x", LogicalType::Int(), true}, {"s", LogicalType::Varchar(), true}});
  auto fails = [&](OptionList o, const std::string& needle) {
    auto gen = MakeDatagen(schema, o);
    BOOST_TEST(!gen.ok(), needle);
    if (!gen.ok()) {
      BOOST_TEST(
          std::string(gen.status().message()).find(needle) != std::string::npos,
          gen.status().message());
    }
  };
  fails({{"fields.y.kind", "random"}}, "fields.y");
  fails({{"fields.x.min", "5"}, {"fields.x.max", "1"}}, "greater");
  fails({{"fields.x.max", "3000000000"}}, "fits INT");
  fails({{"fields.x.kind", "sequence"}, {"fields.x.start", "1"}}, "needs");
  fails({{"fields.x.kind", "sequence"},
         {"fields.x.start", "5"},
         {"fields.x.end", "1"}},
        "greater");
  fails({{"fields.x.length", "5"}}, "length");
  fails({{"fields.s.min", "5"}}, "min");
  fails({{"fields.x.start", "5"}}, "sequence");
  fails({{"fields.x.kind", "shuffle"}}, "random, sequence");
  fails({{"fields.x.null-rate", "2"}}, "between 0 and 1");
  fails({{"fields.x.colour", "red"}}, "colour");
  BOOST_TEST(
      !MakeDatagen(SchemaOf({{"i", LogicalType::Interval(), true}}), {}).ok());
}

BOOST_AUTO_TEST_SUITE_END()

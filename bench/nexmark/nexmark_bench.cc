// Nexmark q0, q1, q2 and a q22-like query through a Session (SQL text in,
// rows out to a counting push handler), over two inputs:
//  (a) the in-process nexmark generator (connector 'nexmark', unpaced), and
//  (b) a topic on an in-process embedded Kafka broker, pre-filled with bids
//      as JSON over 8 partitions, next to a raw KafkaConsumer reading the
//      same records (the ceiling for a Kafka-fed query).
// Plus the generator's own rows/s into batches, for context. Each figure is
// the median of --repeats runs. Not a test: no thresholds; see README.md.
//
//   nexmark_bench [--events N] [--per-partition N] [--repeats N]
//                 [--parallelism N] [--only nexmark|kafka]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "connectors/formats/format.h"
#include "connectors/generators/nexmark.h"
#include "connectors/kafka/embedded_broker.h"
#include "connectors/kafka/kafka_client.h"
#include "connectors/registry.h"
#include "engine/session/session.h"
#include "engine/types/batch.h"
#include "fmt/format.h"

namespace {

namespace gen = weir::connectors::generators;
namespace kafka = weir::connectors::kafka;
using Clock = std::chrono::steady_clock;

constexpr int kPartitions = 8;
constexpr char kTopic[] = "bids";

struct Args {
  int64_t events = 1'000'000;      // nexmark global sequence (46/50 are bids)
  int64_t per_partition = 16'000;  // Kafka bids per partition (~256 B each)
  int repeats = 3;
  int parallelism = 2;
  std::string only;  // "", "nexmark" or "kafka": run one input only
};

struct Query {
  const char* name;
  const char* what;
  const char* sql;  // {} is the stream
  bool filtered;    // q2: only bids with auction % 123 = 0
};

const Query kQueries[] = {
    {"q0", "pass-through", "SELECT auction, bidder, price, date_time FROM {}",
     false},
    {"q1", "currency map",
     "SELECT auction, bidder, price * 908 / 1000 AS price_eur, date_time FROM "
     "{}",
     false},
    {"q2", "filter", "SELECT auction, price FROM {} WHERE auction % 123 = 0",
     true},
    {"q22", "split_part",
     "SELECT auction, bidder, price, channel, SPLIT_PART(url, '/', 4) AS dir1, "
     "SPLIT_PART(url, '/', 5) AS dir2 FROM {}",
     false},
};

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "nexmark_bench: %s\n", message.c_str());
  std::exit(1);
}

void Check(const absl::Status& status, const char* what) {
  if (!status.ok())
    Die(fmt::format("{}: {}", what, std::string(status.message())));
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

Args ParseArgs(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    auto value = [&](const char* flag) -> const char* {
      if (std::strcmp(argv[i], flag) != 0) return nullptr;
      if (i + 1 >= argc) Die(fmt::format("{} needs a value", flag));
      return argv[++i];
    };
    if (const char* v = value("--events")) {
      args.events = std::atoll(v);
    } else if (const char* v = value("--per-partition")) {
      args.per_partition = std::atoll(v);
    } else if (const char* v = value("--repeats")) {
      args.repeats = std::atoi(v);
    } else if (const char* v = value("--parallelism")) {
      args.parallelism = std::atoi(v);
    } else if (const char* v = value("--only")) {
      args.only = v;
    } else {
      Die(fmt::format(
          "unknown argument '{}'; usage: nexmark_bench [--events N] "
          "[--per-partition N] [--repeats N] [--parallelism N] [--only "
          "nexmark|kafka]",
          argv[i]));
    }
  }
  if (args.events < 50 || args.per_partition < 1 || args.repeats < 1 ||
      args.parallelism < 1 ||
      (!args.only.empty() && args.only != "nexmark" && args.only != "kafka")) {
    Die("--events must be >= 50; --per-partition, --repeats, --parallelism >= "
        "1; "
        "--only nexmark or kafka");
  }
  return args;
}

// The bid rows of a nexmark sequence of `events` events, and how many pass
// q2's filter, counted from the generator directly (not through the engine).
struct BidCounts {
  int64_t bids = 0;
  int64_t q2 = 0;
};

gen::NexmarkOptions UnpacedOptions(int64_t max_events) {
  gen::NexmarkOptions options;
  options.events_per_second = 1'000'000'000;
  options.max_events = max_events;
  return options;
}

BidCounts CountBids(int64_t events) {
  auto schema =
      std::make_shared<weir::types::Schema>(std::vector<weir::types::Field>{
          gen::NexmarkStandardFields(gen::NexmarkTable::kBid)[0]});  // auction
  auto generator = gen::NexmarkGenerator::Create(
      gen::NexmarkTable::kBid, UnpacedOptions(events), schema);
  Check(generator.status(), "nexmark generator");
  weir::types::Batch batch(schema);
  BidCounts counts;
  size_t n = 0;
  while (
      (n = (*generator)->Next(&batch, weir::types::Batch::kDefaultCapacity)) >
      0) {
    const int64_t* auction = batch.column(0).ints();
    for (size_t i = 0; i < n; ++i) counts.q2 += auction[i] % 123 == 0;
    counts.bids += static_cast<int64_t>(n);
    batch.Clear();
  }
  return counts;
}

// The generator alone: all seven bid columns into 2048-row batches, one
// thread. Returns rows/s.
double GeneratorRowsPerSecond(int64_t events) {
  auto schema = std::make_shared<weir::types::Schema>(
      gen::NexmarkStandardFields(gen::NexmarkTable::kBid));
  auto generator = gen::NexmarkGenerator::Create(
      gen::NexmarkTable::kBid, UnpacedOptions(events), schema);
  Check(generator.status(), "nexmark generator");
  weir::types::Batch batch(schema);
  int64_t rows = 0;
  const auto start = Clock::now();
  size_t n = 0;
  while (
      (n = (*generator)->Next(&batch, weir::types::Batch::kDefaultCapacity)) >
      0) {
    rows += static_cast<int64_t>(n);
    batch.Clear();
  }
  return static_cast<double>(rows) / SecondsSince(start);
}

// One timed run: wall seconds from the start (statement submitted, or
// consumer created) to the last row, and to the first row.
struct Timing {
  double total = 0;
  double first = 0;
};

// Runs `sql` on `session` with a counting push handler. Dies unless exactly
// `expected` rows arrived.
Timing TimeQuery(weir::Session& session, const std::string& sql,
                 int64_t expected) {
  int64_t rows = 0;
  Clock::time_point first;
  weir::PushHandler handler;
  handler.on_row = [&rows, &first](const std::vector<std::string>&) {
    if (rows++ == 0) first = Clock::now();
    return true;
  };
  handler.should_stop = [] { return false; };
  session.set_push_handler(std::move(handler));
  const auto start = Clock::now();
  Check(session.ExecuteScript(sql, [](const weir::StatementResult&) {}),
        sql.c_str());
  const double seconds = SecondsSince(start);
  if (rows != expected) {
    Die(fmt::format("'{}' produced {} rows, expected {}", sql, rows, expected));
  }
  return Timing{seconds, std::chrono::duration<double>(first - start).count()};
}

std::unique_ptr<weir::Session> MakeSession(const std::string& setup) {
  auto session = weir::Session::Create(
      {.connect_to_sources = true,
       .connectors = weir::connectors::BuiltinConnectors()});
  Check(session.status(), "session");
  Check((*session)->ExecuteScript(setup, [](const weir::StatementResult&) {}),
        "setup");
  return std::move(*session);
}

// One line of the table: medians of the runs.
struct Row {
  std::string input;
  std::string query;
  int64_t rows_in = 0;  // bids read
  int64_t rows_out = 0;
  double seconds = 0;      // start to last row
  double first = 0;        // start to first row
  double rate = 0;         // rows_in / seconds
  double after_first = 0;  // rows_in / (seconds - first)
  double ratio = -1;       // rate / the raw consumer's; < 0: none
  double ratio_after_first = -1;
};

Row MakeRow(std::string input, std::string query, int64_t rows_in,
            int64_t rows_out, const std::vector<Timing>& runs) {
  std::vector<double> totals;
  std::vector<double> firsts;
  std::vector<double> after;
  for (const Timing& t : runs) {
    totals.push_back(t.total);
    firsts.push_back(t.first);
    after.push_back(static_cast<double>(rows_in) /
                    std::max(t.total - t.first, 1e-9));
  }
  Row row{std::move(input), std::move(query), rows_in,
          rows_out,         Median(totals),   Median(firsts)};
  row.rate = static_cast<double>(rows_in) / row.seconds;
  row.after_first = Median(after);
  return row;
}

void PrintTable(const std::vector<Row>& rows) {
  std::printf("\n%-8s %-20s %9s %8s %8s %11s %11s %7s %7s\n", "input", "query",
              "rows out", "total s", "first s", "bids/s", "after 1st", "x raw",
              "x raw*");
  for (const Row& r : rows) {
    std::printf("%-8s %-20s %9lld %8.3f %8.3f %11.0f %11.0f %7s %7s\n",
                r.input.c_str(), r.query.c_str(),
                static_cast<long long>(r.rows_out), r.seconds, r.first, r.rate,
                r.after_first,
                r.ratio < 0 ? "" : fmt::format("{:.2f}", r.ratio).c_str(),
                r.ratio_after_first < 0
                    ? ""
                    : fmt::format("{:.2f}", r.ratio_after_first).c_str());
  }
  std::printf(
      "(medians; bids/s = bids read / total s; after 1st = bids read / (total "
      "- first), "
      "the rate once rows flow; x raw = bids/s over the raw consumer's, x raw* "
      "= the same "
      "for after 1st)\n");
}

// (a) The queries over the in-process generator.
void RunNexmark(const Args& args, std::vector<Row>* table) {
  const BidCounts counts = CountBids(args.events);
  std::fprintf(
      stderr, "nexmark: %lld events, %lld bids, %lld pass q2's filter\n",
      static_cast<long long>(args.events), static_cast<long long>(counts.bids),
      static_cast<long long>(counts.q2));
  auto session = MakeSession(fmt::format(
      "SET 'parallelism' = '{}';"
      "CREATE STREAM nbids WITH (connector = 'nexmark', table = 'bid', "
      "max-events = {}, events-per-second = 1000000000);",
      args.parallelism, args.events));
  std::vector<std::vector<Timing>> times(std::size(kQueries));
  for (int rep = 0; rep < args.repeats; ++rep) {
    for (size_t q = 0; q < std::size(kQueries); ++q) {
      const int64_t expected = kQueries[q].filtered ? counts.q2 : counts.bids;
      const std::string sql =
          fmt::format(fmt::runtime(kQueries[q].sql), "nbids") +
          fmt::format(" EMIT CHANGES LIMIT {};", expected);
      times[q].push_back(TimeQuery(*session, sql, expected));
      std::fprintf(stderr, "  nexmark %s run %d: %.3f s (first row %.3f s)\n",
                   kQueries[q].name, rep + 1, times[q].back().total,
                   times[q].back().first);
    }
  }
  for (size_t q = 0; q < std::size(kQueries); ++q) {
    table->push_back(MakeRow(
        "nexmark", fmt::format("{} {}", kQueries[q].name, kQueries[q].what),
        counts.bids, kQueries[q].filtered ? counts.q2 : counts.bids, times[q]));
  }
}

// Fills the topic with per_partition bids per partition, partition i % 8;
// returns the counts. Dies if the broker did not keep them all.
BidCounts FillTopic(const Args& args, kafka::EmbeddedBroker& broker) {
  Check(broker.CreateTopic(kTopic, kPartitions), "create topic");
  auto schema = std::make_shared<weir::types::Schema>(
      gen::NexmarkStandardFields(gen::NexmarkTable::kBid));
  const int64_t total = args.per_partition * kPartitions;
  // Enough events for `total` bids (46 of every 50 events are bids).
  auto generator = gen::NexmarkGenerator::Create(gen::NexmarkTable::kBid,
                                                 UnpacedOptions(0), schema);
  Check(generator.status(), "nexmark generator");
  auto encoder = weir::formats::MakeEncoder("json", schema, {});
  Check(encoder.status(), "json encoder");
  auto producer = kafka::KafkaProducer::Create(
      {{"bootstrap.servers", broker.bootstrap_servers()}, {"linger.ms", "5"}});
  Check(producer.status(), "producer");

  BidCounts counts;
  std::vector<int64_t> bytes(kPartitions, 0);
  weir::types::Batch batch(schema);
  std::string payload;
  const auto start = Clock::now();
  while (counts.bids < total) {
    batch.Clear();
    const size_t n =
        (*generator)
            ->Next(&batch, static_cast<size_t>(std::min<int64_t>(
                               total - counts.bids,
                               weir::types::Batch::kDefaultCapacity)));
    const int64_t* auction = batch.column(0).ints();
    for (size_t i = 0; i < n; ++i) {
      Check((*encoder)->Encode(batch, i, &payload).status(), "encode");
      const int32_t partition = static_cast<int32_t>(counts.bids % kPartitions);
      bytes[partition] += static_cast<int64_t>(payload.size());
      Check((*producer)->Produce(kTopic, partition, std::nullopt, payload),
            "produce");
      counts.q2 += auction[i] % 123 == 0;
      ++counts.bids;
    }
  }
  Check((*producer)->Flush(std::chrono::seconds(60)), "flush");
  const int64_t max_bytes = *std::max_element(bytes.begin(), bytes.end());
  std::fprintf(
      stderr,
      "kafka: produced %lld bids (%lld pass q2's filter) in %.2f s; "
      "%.0f B per record on average, at most %.2f MiB per partition "
      "(the broker keeps 5 MiB)\n",
      static_cast<long long>(counts.bids), static_cast<long long>(counts.q2),
      SecondsSince(start),
      static_cast<double>(max_bytes) / static_cast<double>(args.per_partition),
      static_cast<double>(max_bytes) / (1024.0 * 1024.0));

  // Retention would move the low watermark up: check that all are kept.
  auto admin = kafka::KafkaAdmin::Create(
      {{"bootstrap.servers", broker.bootstrap_servers()}});
  Check(admin.status(), "admin");
  for (int32_t p = 0; p < kPartitions; ++p) {
    auto marks = (*admin)->WatermarkOffsets(kTopic, p);
    Check(marks.status(), "watermarks");
    if (marks->low != 0 || marks->high != args.per_partition) {
      Die(fmt::format(
          "partition {} holds offsets [{}, {}) instead of [0, {}): the "
          "embedded "
          "broker dropped records (5 MiB per partition); use a smaller "
          "--per-partition",
          p, marks->low, marks->high, args.per_partition));
    }
  }
  return counts;
}

// The ceiling: one KafkaConsumer over all partitions from the earliest
// offset, polling until all `total` records arrived. Returns seconds.
Timing TimeRawConsumer(const std::string& bootstrap, int64_t total) {
  const auto start = Clock::now();
  auto consumer =
      kafka::KafkaConsumer::Create({{"bootstrap.servers", bootstrap}});
  Check(consumer.status(), "consumer");
  std::vector<int32_t> partitions;
  for (int32_t p = 0; p < kPartitions; ++p) partitions.push_back(p);
  Check((*consumer)->Assign(kTopic, partitions, kafka::StartOffset::Earliest()),
        "assign");
  int64_t count = 0;
  int64_t bytes = 0;
  Clock::time_point first;
  const auto deadline = start + std::chrono::seconds(60);
  while (count < total) {
    if (Clock::now() > deadline) {
      Die(fmt::format("raw consumer read {} of {} records in 60 s", count,
                      total));
    }
    // The same batch size the Kafka source polls with
    // (QueryOptions::batch_rows).
    auto polled = (*consumer)->Poll(1024, std::chrono::milliseconds(100));
    Check(polled.status(), "poll");
    for (const kafka::KafkaMessage& m : *polled)
      bytes += m.value ? m.value->size() : 0;
    if (count == 0 && !polled->empty()) first = Clock::now();
    count += static_cast<int64_t>(polled->size());
  }
  const double seconds = SecondsSince(start);
  if (count != total || bytes == 0) {
    Die(fmt::format("raw consumer read {} records, expected {}", count, total));
  }
  return Timing{seconds, std::chrono::duration<double>(first - start).count()};
}

// (b) The queries over the pre-filled topic, with the raw consumer measured
// in the same rounds.
void RunKafka(const Args& args, std::vector<Row>* table) {
  auto broker = kafka::EmbeddedBroker::Start(1);
  Check(broker.status(), "embedded broker");
  const BidCounts counts = FillTopic(args, **broker);
  const std::string bootstrap = (*broker)->bootstrap_servers();
  auto session = MakeSession(fmt::format(
      "SET 'bootstrap.servers' = '{}'; SET 'parallelism' = '{}';"
      "CREATE STREAM bids (auction BIGINT, bidder BIGINT, price BIGINT, "
      "channel VARCHAR, "
      "url VARCHAR, date_time TIMESTAMP(3), extra VARCHAR) "
      "WITH (connector = 'kafka', topic = 'bids', format = 'json');",
      bootstrap, args.parallelism));
  std::vector<Timing> raw;
  std::vector<std::vector<Timing>> times(std::size(kQueries));
  for (int rep = 0; rep < args.repeats; ++rep) {
    raw.push_back(TimeRawConsumer(bootstrap, counts.bids));
    std::fprintf(stderr,
                 "  kafka raw consumer run %d: %.3f s (first record %.3f s)\n",
                 rep + 1, raw.back().total, raw.back().first);
    for (size_t q = 0; q < std::size(kQueries); ++q) {
      const int64_t expected = kQueries[q].filtered ? counts.q2 : counts.bids;
      const std::string sql =
          fmt::format(fmt::runtime(kQueries[q].sql), "bids") +
          fmt::format(" EMIT CHANGES LIMIT {};", expected);
      times[q].push_back(TimeQuery(*session, sql, expected));
      std::fprintf(stderr, "  kafka %s run %d: %.3f s (first row %.3f s)\n",
                   kQueries[q].name, rep + 1, times[q].back().total,
                   times[q].back().first);
    }
  }
  Row raw_row =
      MakeRow("kafka", "raw KafkaConsumer", counts.bids, counts.bids, raw);
  raw_row.ratio = 1.0;
  raw_row.ratio_after_first = 1.0;
  table->push_back(raw_row);
  for (size_t q = 0; q < std::size(kQueries); ++q) {
    Row row = MakeRow(
        "kafka", fmt::format("{} {}", kQueries[q].name, kQueries[q].what),
        counts.bids, kQueries[q].filtered ? counts.q2 : counts.bids, times[q]);
    row.ratio = row.rate / raw_row.rate;
    row.ratio_after_first = row.after_first / raw_row.after_first;
    table->push_back(row);
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  std::printf(
      "nexmark_bench: %lld nexmark events; %lld Kafka bids (%d partitions x "
      "%lld); "
      "parallelism %d; median of %d\n",
      static_cast<long long>(args.events),
      static_cast<long long>(args.per_partition * kPartitions), kPartitions,
      static_cast<long long>(args.per_partition), args.parallelism,
      args.repeats);
  std::fflush(stdout);

  std::vector<double> gen_rates;
  for (int rep = 0; rep < args.repeats; ++rep) {
    gen_rates.push_back(GeneratorRowsPerSecond(args.events));
  }

  std::vector<Row> table;
  if (args.only != "kafka") RunNexmark(args, &table);
  if (args.only != "nexmark") RunKafka(args, &table);
  PrintTable(table);
  std::printf(
      "\ngenerator alone (bid rows into 2048-row batches, 1 thread): %.0f "
      "rows/s\n",
      Median(gen_rates));
  for (const Row& r : table) {
    if (r.input == "kafka" && r.query.rfind("q0", 0) == 0) {
      std::printf(
          "q0 from Kafka: %.2fx the raw consumer end to end, %.2fx once rows "
          "flow "
          "(goal >= 0.70x)\n",
          r.ratio, r.ratio_after_first);
    }
  }
  return 0;
}

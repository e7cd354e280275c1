// Nexmark q0, q1, q2 and a q22-like query through a Session (SQL text in,
// rows out to a counting push handler), over two inputs:
//  (a) the in-process nexmark generator (connector 'nexmark', bounded by
//      --events, unpaced), and
//  (b) a topic of an in-process embedded Kafka broker, filled with bids as
//      JSON, next to the reference consumers of reference_consumer.h (one
//      librdkafka consumer per source task on its own thread, batch API, no
//      copies; and the same decoding each record with simdjson): the
//      ceiling for a Kafka-fed query.
// Before the timed runs, one untimed run of q0 and of q2 per input checks
// the rows' contents against digests computed from the generator's rows
// here, independently of the engine. The timed runs alternate their order
// from round to round. Each figure is the median of --repeats rounds. Not a
// test: no thresholds; see README.md.
//
//   nexmark_bench [--events N] [--partitions N] [--per-partition N]
//                 [--repeats N] [--parallelism N] [--only nexmark|kafka]

#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/common/bench_util.h"
#include "bench/nexmark/reference_consumer.h"
#include "cli/batch_text.h"
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
using Clock = weir::bench::BenchClock;
using weir::bench::LoadAverage;
using weir::bench::Median;
using weir::bench::ProcessCpuSeconds;
using weir::bench::SecondsSince;
using weir::types::Batch;

constexpr char kTopic[] = "bids";

struct Args {
  int64_t events = 4'000'000;      // nexmark global sequence (46/50 are bids)
  int partitions = 192;            // of the Kafka topic
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
constexpr size_t kQ0 = 0;
constexpr size_t kQ2 = 2;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "nexmark_bench: %s\n", message.c_str());
  std::exit(1);
}

void Check(const absl::Status& status, const char* what) {
  if (!status.ok())
    Die(fmt::format("{}: {}", what, std::string(status.message())));
}

Args ParseArgs(int argc, char** argv) {
  Args args;
  weir::bench::FlagReader flags(argc, argv);
  while (flags.Next()) {
    auto value = [&](const char* flag) { return flags.Value(flag); };
    if (const char* v = value("--events")) {
      args.events = std::atoll(v);
    } else if (const char* v = value("--partitions")) {
      args.partitions = std::atoi(v);
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
          "[--partitions N] [--per-partition N] [--repeats N] [--parallelism "
          "N] [--only nexmark|kafka]",
          flags.current()));
    }
  }
  if (args.events < 50 || args.partitions < 1 || args.per_partition < 1 ||
      args.repeats < 1 || args.parallelism < 1 ||
      (!args.only.empty() && args.only != "nexmark" && args.only != "kafka")) {
    Die("--events must be >= 50; --partitions, --per-partition, --repeats, "
        "--parallelism >= 1; --only nexmark or kafka");
  }
  return args;
}

// ------------------------------------------------ expected rows, by hand

uint64_t Fnv1a(std::string_view bytes) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

// A TIMESTAMP(3) in micros as 'YYYY-MM-DD HH:MM:SS.mmm', from the C
// library's calendar (not Weir's formatting code).
std::string TimestampText(int64_t micros) {
  const time_t seconds = static_cast<time_t>(micros / 1'000'000);
  struct tm t;
  gmtime_r(&seconds, &t);
  return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}.{:03d}",
                     t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                     t.tm_min, t.tm_sec, (micros / 1000) % 1000);
}

// What a run must produce: row counts and order-independent digests (sums
// of row hashes) of q0's and q2's rows as the shell prints them.
struct Expected {
  int64_t bids = 0;  // rows read by every query; rows out of q0, q1, q22
  int64_t q2 = 0;    // rows out of q2
  uint64_t q0_digest = 0;
  uint64_t q2_digest = 0;
  uint64_t reference_checksum = 0;  // what the decoding reference sums

  // Adds row `r` of `batch` (the seven standard bid columns).
  void Add(const Batch& batch, size_t r) {
    const int64_t auction = batch.column(0).ints()[r];
    const int64_t bidder = batch.column(1).ints()[r];
    const int64_t price = batch.column(2).ints()[r];
    const std::string date_time = TimestampText(batch.column(5).ints()[r]);
    ++bids;
    q0_digest +=
        Fnv1a(fmt::format("{}|{}|{}|{}", auction, bidder, price, date_time));
    if (auction % 123 == 0) {
      ++q2;
      q2_digest += Fnv1a(fmt::format("{}|{}", auction, price));
    }
    // reference_consumer.cc: each number's value, each string's length.
    reference_checksum += static_cast<uint64_t>(auction + bidder + price);
    reference_checksum += batch.column(3).StringAt(r).size() +
                          batch.column(4).StringAt(r).size() +
                          date_time.size() + batch.column(6).StringAt(r).size();
  }
};

gen::NexmarkOptions UnpacedOptions(int64_t max_events) {
  gen::NexmarkOptions options;
  options.events_per_second = 1'000'000'000;
  options.max_events = max_events;
  return options;
}

std::shared_ptr<const weir::types::Schema> BidSchema() {
  return std::make_shared<weir::types::Schema>(
      gen::NexmarkStandardFields(gen::NexmarkTable::kBid));
}

// The bids of a nexmark sequence of `events` events, from the generator
// directly (not through the engine).
Expected ExpectedBids(int64_t events) {
  auto schema = BidSchema();
  auto generator = gen::NexmarkGenerator::Create(
      gen::NexmarkTable::kBid, UnpacedOptions(events), schema);
  Check(generator.status(), "nexmark generator");
  Batch batch(schema);
  Expected expected;
  while ((*generator)->Next(&batch, Batch::kDefaultCapacity) > 0) {
    for (size_t r = 0; r < batch.num_rows(); ++r) expected.Add(batch, r);
    batch.Clear();
  }
  return expected;
}

// The generator alone: all seven bid columns into 2048-row batches, one
// thread. Returns rows/s.
double GeneratorRowsPerSecond(int64_t events) {
  auto schema = BidSchema();
  auto generator = gen::NexmarkGenerator::Create(
      gen::NexmarkTable::kBid, UnpacedOptions(events), schema);
  Check(generator.status(), "nexmark generator");
  Batch batch(schema);
  int64_t rows = 0;
  const auto start = Clock::now();
  size_t n = 0;
  while ((n = (*generator)->Next(&batch, Batch::kDefaultCapacity)) > 0) {
    rows += static_cast<int64_t>(n);
    batch.Clear();
  }
  return static_cast<double>(rows) / SecondsSince(start);
}

// ---------------------------------------------------------------- runs

// One timed run: seconds from the start (the statement handed to the
// session, so parsing, planning and starting the tasks are included; or
// the reference's first client being created) to the last row, and to the
// first row.
struct Timing {
  double total = 0;
  double first = 0;
  double cpu = 0;  // of the whole process (broker included) meanwhile
};

// Runs `sql` on `session` with `on_row` as the push handler. Dies unless
// exactly `expected` rows arrived. Without `on_row` (the timed runs), the
// rows' text is made as `weir` makes it for printing (BatchTextWriter, a
// batch at a time, column by column) and dropped.
Timing TimeQuery(
    weir::Session& session, const std::string& sql, int64_t expected,
    std::function<void(const std::vector<std::string>&)> on_row = nullptr) {
  int64_t rows = 0;
  Clock::time_point first;
  weir::PushHandler handler;
  weir::cli::BatchTextWriter writer;
  size_t text_bytes = 0;
  if (on_row) {
    handler.on_row = [&](const std::vector<std::string>& row) {
      if (rows++ == 0) first = Clock::now();
      on_row(row);
      return true;
    };
  } else {
    handler.on_batch = [&](const weir::types::Batch& batch, bool changelog) {
      if (rows == 0) first = Clock::now();
      rows += static_cast<int64_t>(batch.num_rows());
      text_bytes += writer.Format(batch, changelog).size();
      return true;
    };
  }
  handler.should_stop = [] { return false; };
  session.set_push_handler(std::move(handler));
  const auto start = Clock::now();
  Check(session.ExecuteScript(sql, [](const weir::StatementResult&) {}),
        sql.c_str());
  const double seconds = SecondsSince(start);
  if (rows != expected) {
    Die(fmt::format("'{}' produced {} rows, expected {}", sql, rows, expected));
  }
  if (!on_row && rows > 0 && text_bytes == 0) {
    Die(fmt::format("'{}': no text was made of its rows", sql));
  }
  return Timing{seconds, std::chrono::duration<double>(first - start).count()};
}

// Runs q0 and q2 once, untimed, and dies unless their rows are the
// expected ones.
void CheckContents(weir::Session& session, const std::string& stream,
                   const std::string& suffix, const Expected& expected) {
  uint64_t digest = 0;
  TimeQuery(session,
            fmt::format(fmt::runtime(kQueries[kQ0].sql), stream) +
                fmt::format(fmt::runtime(suffix), expected.bids),
            expected.bids, [&](const std::vector<std::string>& row) {
              digest += Fnv1a(
                  fmt::format("{}|{}|{}|{}", row[0], row[1], row[2], row[3]));
            });
  if (digest != expected.q0_digest) Die(stream + ": q0 returned other rows");
  digest = 0;
  TimeQuery(session,
            fmt::format(fmt::runtime(kQueries[kQ2].sql), stream) +
                fmt::format(fmt::runtime(suffix), expected.q2),
            expected.q2, [&](const std::vector<std::string>& row) {
              digest += Fnv1a(fmt::format("{}|{}", row[0], row[1]));
            });
  if (digest != expected.q2_digest) Die(stream + ": q2 returned other rows");
  std::fprintf(stderr, "  %s: q0 and q2 rows checked\n", stream.c_str());
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
  std::string reader;
  int64_t rows_in = 0;  // bids read
  int64_t rows_out = 0;
  double first = 0;   // start to first row (start-up)
  double total = 0;   // start to last row
  double rate = 0;    // rows_in / total
  double steady = 0;  // rows_in / (total - first)
  double cpu = 0;     // process CPU seconds during the run
  bool reference = false;
};

Row MakeRow(std::string input, std::string reader, int64_t rows_in,
            int64_t rows_out, const std::vector<Timing>& runs) {
  std::vector<double> totals;
  std::vector<double> firsts;
  std::vector<double> steady;
  std::vector<double> cpus;
  for (const Timing& t : runs) {
    totals.push_back(t.total);
    firsts.push_back(t.first);
    cpus.push_back(t.cpu);
    steady.push_back(static_cast<double>(rows_in) /
                     std::max(t.total - t.first, 1e-9));
  }
  Row row{std::move(input), std::move(reader), rows_in,
          rows_out,         Median(firsts),    Median(totals)};
  row.rate = static_cast<double>(rows_in) / row.total;
  row.steady = Median(steady);
  row.cpu = Median(cpus);
  return row;
}

// A reader of one round: the reference consumers (plain or decoding) or a
// query. Rounds alternate the order of the readers.
using Reader = std::function<Timing()>;

std::vector<std::vector<Timing>> RunRounds(
    const std::vector<Reader>& readers, const std::vector<std::string>& names,
    int repeats) {
  std::vector<std::vector<Timing>> times(readers.size());
  for (int rep = 0; rep < repeats; ++rep) {
    std::vector<size_t> order(readers.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (rep % 2 == 1) std::reverse(order.begin(), order.end());
    for (size_t i : order) {
      const double cpu = ProcessCpuSeconds();
      times[i].push_back(readers[i]());
      times[i].back().cpu = ProcessCpuSeconds() - cpu;
      std::fprintf(stderr,
                   "  round %d %s: %.3f s (first row %.3f s, cpu %.2f s)\n",
                   rep + 1, names[i].c_str(), times[i].back().total,
                   times[i].back().first, times[i].back().cpu);
    }
  }
  return times;
}

// (a) The queries over the in-process generator.
void RunNexmark(const Args& args, std::vector<Row>* table) {
  const Expected expected = ExpectedBids(args.events);
  std::fprintf(stderr, "nexmark: %lld events, %lld bids, %lld pass q2\n",
               static_cast<long long>(args.events),
               static_cast<long long>(expected.bids),
               static_cast<long long>(expected.q2));
  // Bounded: every query reads all bids and ends by itself, so a filter's
  // time covers reading every event, not just its last match.
  auto session = MakeSession(fmt::format(
      "SET 'parallelism' = '{}';"
      "CREATE STREAM nbids WITH (connector = 'nexmark', table = 'bid', "
      "max-events = {}, events-per-second = 1000000000);",
      args.parallelism, args.events));
  CheckContents(*session, "nbids", " EMIT CHANGES;", expected);
  std::vector<Reader> readers;
  std::vector<std::string> names;
  for (const Query& q : kQueries) {
    const int64_t rows = q.filtered ? expected.q2 : expected.bids;
    const std::string sql =
        fmt::format(fmt::runtime(q.sql), "nbids") + " EMIT CHANGES;";
    readers.push_back(
        [&session, sql, rows] { return TimeQuery(*session, sql, rows); });
    names.push_back(fmt::format("nexmark {}", q.name));
  }
  auto times = RunRounds(readers, names, args.repeats);
  for (size_t q = 0; q < std::size(kQueries); ++q) {
    table->push_back(MakeRow(
        "nexmark", fmt::format("{} {}", kQueries[q].name, kQueries[q].what),
        expected.bids, kQueries[q].filtered ? expected.q2 : expected.bids,
        times[q]));
  }
}

// Fills the topic with partitions x per_partition bids, bid i to partition
// i % partitions, and ends every partition with one bid that q2 lets
// through (its auction a multiple of 123): a query has then read all of a
// partition when that bid comes out, so LIMIT counts every record read,
// for the filter too. Dies if the broker did not keep every record.
Expected FillTopic(const Args& args, kafka::EmbeddedBroker& broker) {
  Check(broker.CreateTopic(kTopic, args.partitions), "create topic");
  auto schema = BidSchema();
  auto generator = gen::NexmarkGenerator::Create(gen::NexmarkTable::kBid,
                                                 UnpacedOptions(0), schema);
  Check(generator.status(), "nexmark generator");
  auto encoder = weir::formats::MakeEncoder("json", schema, {});
  Check(encoder.status(), "json encoder");
  auto producer = kafka::KafkaProducer::Create(
      {{"bootstrap.servers", broker.bootstrap_servers()}, {"linger.ms", "5"}});
  Check(producer.status(), "producer");

  const int64_t per_partition = args.per_partition;
  const int64_t total = per_partition * args.partitions;
  Expected expected;
  std::vector<int64_t> bytes(static_cast<size_t>(args.partitions), 0);
  Batch batch(schema);
  std::string payload;
  const auto start = Clock::now();
  int64_t produced = 0;
  while (produced < total) {
    batch.Clear();
    const size_t n =
        (*generator)
            ->Next(&batch, static_cast<size_t>(std::min<int64_t>(
                               total - produced, Batch::kDefaultCapacity)));
    for (size_t i = 0; i < n; ++i, ++produced) {
      const int32_t partition =
          static_cast<int32_t>(produced % args.partitions);
      // The last round of bids are the partitions' sentinels.
      if (produced >= total - args.partitions) {
        batch.column(0).ints()[i] = 123 * (1'000'000 + partition);
      }
      expected.Add(batch, i);
      Check((*encoder)->Encode(batch, i, &payload).status(), "encode");
      bytes[static_cast<size_t>(partition)] +=
          static_cast<int64_t>(payload.size());
      Check((*producer)->Produce(kTopic, partition, std::nullopt, payload),
            "produce");
    }
  }
  Check((*producer)->Flush(std::chrono::seconds(120)), "flush");
  const int64_t max_bytes = *std::max_element(bytes.begin(), bytes.end());
  std::fprintf(
      stderr,
      "kafka: produced %lld bids in %d partitions (%lld pass q2) in "
      "%.1f s; %.0f B per record on average, at most %.2f MiB per "
      "partition (the broker keeps 5 MiB)\n",
      static_cast<long long>(total), args.partitions,
      static_cast<long long>(expected.q2), SecondsSince(start),
      static_cast<double>(max_bytes) / static_cast<double>(per_partition),
      static_cast<double>(max_bytes) / (1024.0 * 1024.0));

  // Retention would move the low watermark up: check that all are kept.
  auto admin = kafka::KafkaAdmin::Create(
      {{"bootstrap.servers", broker.bootstrap_servers()}});
  Check(admin.status(), "admin");
  for (int32_t p = 0; p < args.partitions; ++p) {
    auto marks = (*admin)->WatermarkOffsets(kTopic, p);
    Check(marks.status(), "watermarks");
    if (marks->low != 0 || marks->high != per_partition) {
      Die(fmt::format(
          "partition {} holds offsets [{}, {}) instead of [0, {}): the "
          "embedded broker dropped records (5 MiB per partition); use a "
          "smaller --per-partition",
          p, marks->low, marks->high, per_partition));
    }
  }
  return expected;
}

Timing TimeReference(const std::string& bootstrap, int threads, bool decode,
                     const Expected& expected) {
  weir::bench::ReferenceOptions options;
  options.bootstrap = bootstrap;
  options.topic = kTopic;
  options.threads = threads;
  options.decode = decode;
  const weir::bench::ReferenceResult r =
      weir::bench::RunReferenceConsumers(options);
  if (r.records != expected.bids) {
    Die(fmt::format("the reference read {} records, expected {}", r.records,
                    expected.bids));
  }
  if (decode && r.checksum != expected.reference_checksum) {
    Die("the decoding reference read other values than were produced");
  }
  return Timing{r.total, r.first_record};
}

// (b) The reference consumers and the queries over an embedded broker.
void RunKafka(const Args& args, std::vector<Row>* table) {
  auto broker = kafka::EmbeddedBroker::Start(1);
  Check(broker.status(), "embedded broker");
  const Expected expected = FillTopic(args, **broker);
  const std::string bootstrap = (*broker)->bootstrap_servers();
  auto session = MakeSession(fmt::format(
      "SET 'bootstrap.servers' = '{}'; SET 'parallelism' = '{}';"
      "CREATE STREAM bids (auction BIGINT, bidder BIGINT, price BIGINT, "
      "channel VARCHAR, url VARCHAR, date_time TIMESTAMP(3), extra VARCHAR) "
      "WITH (connector = 'kafka', topic = 'bids', format = 'json');",
      bootstrap, args.parallelism));
  CheckContents(*session, "bids", " EMIT CHANGES LIMIT {};", expected);
  std::vector<Reader> readers;
  std::vector<std::string> names;
  for (bool decode : {false, true}) {
    readers.push_back([&bootstrap, &args, &expected, decode] {
      return TimeReference(bootstrap, args.parallelism, decode, expected);
    });
    names.push_back(decode ? "reference + simdjson" : "reference");
  }
  for (const Query& q : kQueries) {
    const int64_t rows = q.filtered ? expected.q2 : expected.bids;
    const std::string sql = fmt::format(fmt::runtime(q.sql), "bids") +
                            fmt::format(" EMIT CHANGES LIMIT {};", rows);
    readers.push_back(
        [&session, sql, rows] { return TimeQuery(*session, sql, rows); });
    names.push_back(fmt::format("kafka {}", q.name));
  }
  auto times = RunRounds(readers, names, args.repeats);
  const std::string consumers = fmt::format("{} consumer{}", args.parallelism,
                                            args.parallelism == 1 ? "" : "s");
  Row reference = MakeRow("kafka", "reference (" + consumers + ")",
                          expected.bids, expected.bids, times[0]);
  reference.reference = true;
  Row decoding = MakeRow("kafka", "reference + simdjson", expected.bids,
                         expected.bids, times[1]);
  decoding.reference = true;
  table->push_back(reference);
  table->push_back(decoding);
  for (size_t q = 0; q < std::size(kQueries); ++q) {
    table->push_back(MakeRow(
        "kafka", fmt::format("{} {}", kQueries[q].name, kQueries[q].what),
        expected.bids, kQueries[q].filtered ? expected.q2 : expected.bids,
        times[q + 2]));
  }
}

void PrintTable(const std::vector<Row>& rows) {
  const Row* reference = nullptr;
  for (const Row& r : rows) {
    if (r.input == "kafka" && r.reference && reference == nullptr)
      reference = &r;
  }
  std::printf("\n%-8s %-24s %9s %9s %8s %6s %11s %11s %6s %6s\n", "input",
              "reader", "rows in", "rows out", "total s", "cpu s", "rows/s",
              "steady/s", "x ref", "x ref*");
  for (const Row& r : rows) {
    std::string x_ref;
    std::string x_steady;
    if (r.input == "kafka" && reference != nullptr) {
      x_ref = fmt::format("{:.2f}", r.rate / reference->rate);
      x_steady = fmt::format("{:.2f}", r.steady / reference->steady);
    }
    std::printf("%-8s %-24s %9lld %9lld %8.3f %6.2f %11.0f %11.0f %6s %6s\n",
                r.input.c_str(), r.reader.c_str(),
                static_cast<long long>(r.rows_in),
                static_cast<long long>(r.rows_out), r.total, r.cpu, r.rate,
                r.steady, x_ref.c_str(), x_steady.c_str());
  }
  std::printf(
      "(medians. rows in: bids read, for q2 too. total s: from handing the "
      "statement to the session (parse, plan, task start included) or "
      "creating the reference's clients, to the last row. cpu s: CPU time "
      "of the whole process meanwhile, the in-process broker's included. "
      "rows/s = rows in / total s; steady/s = rows in / (total s - "
      "start-up). x ref, x ref*: rows/s and steady/s over the plain "
      "reference's.)\n");
  std::printf("\nstart-up (to the first row, medians):");
  for (const Row& r : rows) {
    std::printf(" %s %s %.3f s;", r.input.c_str(), r.reader.c_str(), r.first);
  }
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);
  std::printf(
      "nexmark_bench: %lld nexmark events; %lld Kafka bids (%d partitions x "
      "%lld); parallelism %d; median of %d; load average %s\n",
      static_cast<long long>(args.events),
      static_cast<long long>(args.per_partition * args.partitions),
      args.partitions, static_cast<long long>(args.per_partition),
      args.parallelism, args.repeats, LoadAverage().c_str());
  std::fflush(stdout);

  std::vector<double> gen_rates;
  for (int rep = 0; rep < args.repeats; ++rep) {
    gen_rates.push_back(GeneratorRowsPerSecond(args.events));
  }

  std::vector<Row> table;
  if (args.only != "kafka") RunNexmark(args, &table);
  if (args.only != "nexmark") RunKafka(args, &table);
  PrintTable(table);
  std::printf("load average at the end: %s\n", LoadAverage().c_str());
  std::printf(
      "\ngenerator alone (bid rows into 2048-row batches, 1 thread): %.0f "
      "rows/s\n",
      Median(gen_rates));
  const Row* reference = nullptr;
  for (const Row& r : table) {
    if (r.input == "kafka" && r.reference && reference == nullptr)
      reference = &r;
    if (reference != nullptr && r.input == "kafka" &&
        r.reader.rfind("q0", 0) == 0) {
      std::printf(
          "q0 from Kafka: %.2fx the reference end to end, %.2fx in steady "
          "state (goal >= 0.80x end to end)\n",
          r.rate / reference->rate, r.steady / reference->steady);
    }
  }
  return 0;
}

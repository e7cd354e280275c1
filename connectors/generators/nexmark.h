#pragma once

// The Nexmark benchmark generator (`connector = 'nexmark'`): a global,
// deterministic sequence of auction-site events in which, out of every 50
// events, 1 is a new person, 3 are new auctions and 46 are bids. A stream
// reads one table (person, auction or bid), i.e. only that table's events of
// the global sequence. Follows the generator of Apache Beam / Flink's
// nexmark (ids from 1000, hot sellers, bidders and auctions, log-distributed
// prices, padding to the reference's average row sizes); the differences are
// listed in docs/generators.md.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/types/batch.h"
#include "engine/types/schema.h"

namespace weir::connectors::generators {

/// 2026-01-01 00:00:00 as microseconds since the epoch.
inline constexpr int64_t kNexmarkDefaultFirstEventTime = 1767225600LL * 1000000;

/// Options of a nexmark stream (the WITH (...) of CREATE STREAM).
struct NexmarkOptions {
  /// Every value is a function of (seed, event number).
  uint64_t seed = 0;
  /// Event-time rate: event n has date_time first_event_time + n / rate
  /// seconds. It is also the pacing the source operator aims for.
  int64_t events_per_second = 10000;
  /// Length of the global sequence (all tables together); 0 = unbounded.
  int64_t max_events = 0;
  int64_t first_event_time_micros = kNexmarkDefaultFirstEventTime;

  /// Reads 'events-per-second', 'max-events', 'seed' and 'first-event-time'
  /// (keys lower-case, as the binder stores them); 'connector' and 'table'
  /// are ignored. InvalidArgument for a malformed value, a rate that is not
  /// positive or an unknown key.
  static absl::StatusOr<NexmarkOptions> FromOptions(
      const std::vector<std::pair<std::string, std::string>>& options);
};

enum class NexmarkTable { kPerson, kAuction, kBid };

/// "person" | "auction" | "bid" (case-insensitive); InvalidArgument else.
absl::StatusOr<NexmarkTable> ParseNexmarkTable(std::string_view name);
const char* NexmarkTableName(NexmarkTable table);

/// The standard columns of a table (what a nexmark stream declared without
/// columns gets): person (id, name, email_address, credit_card, city, state,
/// date_time, extra); auction (id, item_name, description, initial_bid,
/// reserve, date_time, expires, seller, category, extra); bid (auction,
/// bidder, price, channel, url, date_time, extra).
std::vector<types::Field> NexmarkStandardFields(NexmarkTable table);

/// Generates the rows of one Nexmark table. Not thread-safe: one generator
/// per task; generators are independent of each other (the only shared state
/// is an immutable table of channel URLs built once, thread-safely).
class NexmarkGenerator {
 public:
  /// Events per block when splitting: the 50 events of one person, auction
  /// and bid cycle.
  static constexpr int64_t kEventsPerBlock = 50;

  /// A generator of the whole sequence's `table` rows. `schema` names the
  /// columns to fill, by name (case-insensitive): any subset or order of the
  /// standard columns. Errors (InvalidArgument): an unknown column, a column
  /// of an incompatible type (integers must be BIGINT, times TIMESTAMP(p),
  /// texts VARCHAR or BYTES), a null schema, events_per_second <= 0 or
  /// max_events < 0.
  static absl::StatusOr<std::unique_ptr<NexmarkGenerator>> Create(
      NexmarkTable table, const NexmarkOptions& options,
      std::shared_ptr<const types::Schema> schema);

  /// Generator `split_index` of `num_splits` (0 <= split_index < num_splits):
  /// it produces the events of the blocks b with b % num_splits ==
  /// split_index (block b = events [50 b, 50 b + 50)), so the splits are
  /// disjoint and their union is exactly the single generator's output.
  /// Each split's rows are in event order.
  static absl::StatusOr<std::unique_ptr<NexmarkGenerator>> CreateSplit(
      NexmarkTable table, const NexmarkOptions& options,
      std::shared_ptr<const types::Schema> schema, int split_index,
      int num_splits);

  /// Appends up to `max_rows` rows to `out`, which must be a Batch of the
  /// schema given to Create (it may already hold rows; it must have no
  /// selection). Returns how many rows were appended: fewer than `max_rows`
  /// only when the sequence ends (max_events), 0 from then on.
  size_t Next(types::Batch* out, size_t max_rows);

  /// True once max_events is reached (never for an unbounded sequence).
  bool finished() const;
  /// Events of this generator's share of the global sequence passed so far,
  /// of every table (the rows of other tables are skipped, not emitted).
  int64_t events_generated() const;
  /// The global number of the next event this generator will look at.
  int64_t next_event_number() const { return next_event_; }
  /// Continues at event `next_event` (an earlier next_event_number() of the
  /// same split): a restored checkpoint. Costs nothing (every value is a
  /// function of the event number).
  void SeekToEvent(int64_t next_event) { next_event_ = next_event; }
  /// The event time of event `event_number` in microseconds (exact; columns
  /// of TIMESTAMP(p) hold it truncated to p fractional digits).
  int64_t EventTimeMicros(int64_t event_number) const;

  NexmarkTable table() const { return table_; }
  const NexmarkOptions& options() const { return options_; }
  const std::shared_ptr<const types::Schema>& schema() const { return schema_; }

 private:
  NexmarkGenerator(NexmarkTable table, const NexmarkOptions& options,
                   std::shared_ptr<const types::Schema> schema,
                   std::vector<int> columns, std::vector<int64_t> units,
                   int split_index, int num_splits);

  void AppendPerson(int64_t event, types::Batch* out);
  void AppendAuction(int64_t event, types::Batch* out);
  void AppendBid(int64_t event, types::Batch* out);
  // The event after `event` in this split that belongs to this table.
  int64_t Advance(int64_t event) const;
  int64_t Truncate(int64_t micros, size_t column) const;

  NexmarkTable table_;
  NexmarkOptions options_;
  std::shared_ptr<const types::Schema> schema_;
  std::vector<int> columns_;    // per schema column: a standard column index
  std::vector<int64_t> units_;  // per schema column: timestamp unit in micros
  int split_index_;
  int num_splits_;
  uint64_t seed_key_;
  int64_t first_offset_;  // the table's first offset within a block
  int64_t last_offset_;   // the table's last offset within a block
  int64_t next_event_;
};

}  // namespace weir::connectors::generators

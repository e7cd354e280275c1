#pragma once

// The datagen generator (`connector = 'datagen'`): rows of random or
// sequential values for any declared schema, for demos and tests. Each value
// is a pure function of (seed, column, row number), so the output is
// deterministic and can be split across tasks.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/types/batch.h"
#include "engine/types/schema.h"

namespace weir::connectors::generators {

/// The 'fields.<column>.*' options of one column, as written (bounds are
/// parsed against the column's type by DatagenGenerator::Create).
struct DatagenFieldOptions {
  enum class Kind { kRandom, kSequence };
  Kind kind = Kind::kRandom;
  std::optional<std::string> min, max;    // random: inclusive bounds
  std::optional<std::string> start, end;  // sequence: inclusive bounds
  std::optional<int64_t> length;          // random strings
  double null_rate = 0;                   // 0..1, nullable columns only
};

/// Options of a datagen stream (the WITH (...) of CREATE STREAM).
struct DatagenOptions {
  /// Pacing for the source operator (0 = as fast as it is read); the
  /// generator itself never sleeps.
  int64_t rows_per_second = 0;
  /// Total rows over all splits; 0 = unbounded, unless a sequence column
  /// bounds it (the shortest sequence's length).
  int64_t number_of_rows = 0;
  uint64_t seed = 0;
  /// "Now" for TIMESTAMP and DATE columns without bounds (random in the hour,
  /// resp. 30 days, before it). FromOptions reads the wall clock once; tests
  /// set it for reproducible rows.
  int64_t now_micros = 0;
  /// Per column (name lower-case, as in the option key).
  std::vector<std::pair<std::string, DatagenFieldOptions>> fields;

  /// Reads 'rows-per-second', 'number-of-rows', 'seed' and
  /// 'fields.<column>.{kind,min,max,start,end,length,null-rate}' (keys
  /// lower-case); 'connector' is ignored. InvalidArgument for a malformed
  /// value or an unknown key. Whether a column exists and its bounds fit its
  /// type is checked by DatagenGenerator::Create.
  static absl::StatusOr<DatagenOptions> FromOptions(
      const std::vector<std::pair<std::string, std::string>>& options);
};

/// Generates datagen rows. Not thread-safe: one generator per task.
///
/// Per type, a random column is: BOOLEAN a fair coin; INT, BIGINT uniform in
/// [min, max] (default: the type's range); DOUBLE uniform in [min, max]
/// (default [0, 1)); DECIMAL(p, s) uniform in [min, max] (default: every
/// value of the type); VARCHAR, BYTES `length` random lowercase letters
/// (default 100); DATE, TIME, TIMESTAMP(p) uniform in [min, max] given as
/// literals ('2026-01-01', '12:00:00', '2026-01-01 00:00:00') or numbers
/// (days since 1970-01-01, seconds of the day, milliseconds since the
/// epoch); TIMESTAMP values have p fractional digits. A sequence column
/// (INT, BIGINT, DECIMAL, DOUBLE, VARCHAR, BYTES) counts start, start + 1,
/// ..., end, then the stream ends; VARCHAR sequences are the numbers as
/// text. INTERVAL columns are not supported.
class DatagenGenerator {
 public:
  /// Rows per block when splitting.
  static constexpr int64_t kRowsPerBlock = 128;

  /// Errors (InvalidArgument): options for a column not in `schema`, an
  /// attribute that does not fit the column (length on a number, min/max on a
  /// sequence, ...), a bound that does not parse or fit the type, min > max,
  /// start > end, a sequence without start or end, null-rate > 0 on a NOT
  /// NULL column, an INTERVAL column, a null schema.
  static absl::StatusOr<std::unique_ptr<DatagenGenerator>> Create(
      const DatagenOptions& options,
      std::shared_ptr<const types::Schema> schema);

  /// Generator `split_index` of `num_splits`: rows r with
  /// (r / kRowsPerBlock) % num_splits == split_index, so the union of the
  /// splits is exactly the single generator's output.
  static absl::StatusOr<std::unique_ptr<DatagenGenerator>> CreateSplit(
      const DatagenOptions& options,
      std::shared_ptr<const types::Schema> schema, int split_index,
      int num_splits);

  ~DatagenGenerator();

  /// Appends up to `max_rows` rows to `out` (a Batch of the schema, without
  /// selection; it may already hold rows). Returns how many: fewer than
  /// `max_rows` only at the end of a bounded stream, then 0.
  size_t Next(types::Batch* out, size_t max_rows);

  bool finished() const;
  /// Rows this generator has produced (since it was created).
  int64_t rows_generated() const { return rows_generated_; }
  /// The global number of the next row of this split.
  int64_t next_row_number() const { return next_row_; }
  /// Continues at row `next_row` (an earlier next_row_number() of the same
  /// split): a restored checkpoint. Costs nothing (every value is a
  /// function of the row number).
  void SeekToRow(int64_t next_row) { next_row_ = next_row; }
  /// Rows of the whole stream (all splits); nullopt when unbounded.
  std::optional<int64_t> total_rows() const;
  int64_t rows_per_second() const { return options_.rows_per_second; }
  const std::shared_ptr<const types::Schema>& schema() const { return schema_; }

 private:
  struct ColumnPlan;  // per column: how its values are made (datagen.cc)

  DatagenGenerator(const DatagenOptions& options,
                   std::shared_ptr<const types::Schema> schema,
                   std::vector<ColumnPlan> plans, int64_t total_rows,
                   int split_index, int num_splits);

  DatagenOptions options_;
  std::shared_ptr<const types::Schema> schema_;
  std::vector<ColumnPlan> plans_;
  int64_t total_rows_;  // -1 = unbounded
  int split_index_;
  int num_splits_;
  int64_t next_row_;  // global row number of the next row of this split
  int64_t rows_generated_ = 0;
  std::vector<int64_t> row_numbers_;  // scratch for Next
};

}  // namespace weir::connectors::generators

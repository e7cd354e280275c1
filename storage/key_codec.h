#pragma once

// The layout of state keys, shared by the state store and the runtime:
// key groups, a stable hash of SQL keys, and an order-preserving encoding
// of typed values. Depends only on engine/types (and xxHash); no RocksDB.
//
// A state key is
//
//   operator id (4 bytes, big-endian) | key group (2 bytes, big-endian) |
//   parts chosen by the operator
//
// where each part is an encoded SQL value (AppendValue, AppendColumnValue)
// or a time (AppendTime). The encoding is *memcmp-ordered*: for two values
// a and b of one type, memcmp(enc(a), enc(b)) has the sign of the SQL
// comparison of a and b (equal values encode to equal bytes), and the
// encodings of a type are prefix-free, so a key made of several parts
// orders by its parts, first to last, like ORDER BY k1, k2, ... So
//   - everything of one operator and key group is one prefix,
//   - a window operator that puts the window time right after the key
//     group drops all expired windows of a key group with one range
//     deletion [prefix, prefix | time(watermark)), and
//   - an operator that puts the group key first and a time last finds all
//     entries of one key in time order (sessions, interval joins).
// docs/state.md shows the layouts the operators use.
//
// Each value part starts with a marker byte, 0x00 for NULL (NULLs sort
// first) and 0x01 for a value, followed by (for ascending order):
//   BOOLEAN          1 byte, 0 or 1
//   INT, BIGINT,     8 bytes: the 64-bit integer (days, micros) big-endian
//   DATE, TIME,        with its sign bit flipped
//   TIMESTAMP
//   DOUBLE           8 bytes: the IEEE bits big-endian, all bits flipped
//                    when negative, else the sign bit set; -0.0 is stored
//                    as 0.0 and every NaN as one NaN, which sorts above
//                    +Infinity (SQL: NaN equals NaN and is the largest)
//   DECIMAL(p, s)    16 bytes: the unscaled 128-bit integer, big-endian,
//                    sign bit flipped (one type has one scale, so this is
//                    the order of the values)
//   INTERVAL         16 bytes: months * 30 days + micros as a 128-bit
//                    integer (the SQL comparison of intervals), big-endian,
//                    sign bit flipped
//   VARCHAR, BYTES   the bytes, each 0x00 written as 0x00 0xFF, then the
//                    terminator 0x00 0x01 (so "a" < "a\0" < "ab")
// A descending part is the ascending encoding with every byte inverted
// (NULLs then sort last). Decoding gives the value back, except that -0.0
// decodes as 0.0, NaN as the canonical NaN, and an INTERVAL in a canonical
// form (as many whole 30-day months as fit, the rest in micros): the SQL-
// equal value, which is what a key means.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/types/batch.h"
#include "engine/types/logical_type.h"
#include "engine/types/value.h"

namespace weir::storage {

// ---- Key groups -----------------------------------------------------------
//
// State is partitioned into key groups, a fixed number per query (its
// max-parallelism), so the layout on disk does not depend on how many
// tasks run: a key belongs to group KeyGroupOf(HashKey(key)), and task i of
// n owns a contiguous range of groups (as in Flink). Changing the task
// count moves whole key groups between tasks; changing max-parallelism
// changes every key's group and needs a fresh start.

inline constexpr int kDefaultMaxParallelism = 128;
/// Key groups are 2 bytes in a key; Flink has the same upper bound.
inline constexpr int kMaxMaxParallelism = 32768;

/// OK when 1 <= max_parallelism <= kMaxMaxParallelism, else a user error
/// (InvalidArgument) that names the setting.
absl::Status CheckMaxParallelism(int max_parallelism);

/// The key group of a key hash: hash mod max_parallelism.
inline int KeyGroupOf(uint64_t key_hash, int max_parallelism) {
  return static_cast<int>(key_hash % static_cast<uint64_t>(max_parallelism));
}

/// The key groups first..last (inclusive); empty when last < first.
struct KeyGroupRange {
  int first = 0;
  int last = -1;

  bool empty() const { return last < first; }
  int size() const { return empty() ? 0 : last - first + 1; }
  bool Contains(int key_group) const {
    return key_group >= first && key_group <= last;
  }
  friend bool operator==(const KeyGroupRange&, const KeyGroupRange&) = default;
};

/// The key groups task `task` (0 .. tasks-1) owns when `tasks` tasks share
/// `max_parallelism` groups (tasks <= max_parallelism): ranges are
/// contiguous, ascending with the task, partition all groups, and differ
/// in size by at most one.
KeyGroupRange KeyGroupRangeForTask(int task, int tasks, int max_parallelism);
/// The task whose KeyGroupRangeForTask contains `key_group`.
int TaskForKeyGroup(int key_group, int tasks, int max_parallelism);

// ---- A stable hash of SQL keys ---------------------------------------------
//
// The hash decides a key's group, which is written into state on disk, so
// it is fixed forever (XXH3-64, whose output is specified, over a
// canonical form) and never depends on the process, build or machine.
// Values that are equal in SQL hash equally even when their types differ,
// so an exchange needs no cast for them:
//   - exact numbers (INT, BIGINT, DECIMAL of any precision and scale, and
//     a DOUBLE whose value is exactly such a number) hash by value: INT 1,
//     BIGINT 1, DECIMAL 1.00 and DOUBLE 1.0 are one key; so are DECIMAL
//     0.50 and DOUBLE 0.5. An integer in 64 bits is the XXH3-64 of its 8
//     little-endian bytes (seed 0); other exact numbers hash their
//     unscaled value without trailing fraction zeros and their scale.
//   - DOUBLE -0.0 is 0; every NaN hashes alike. A DOUBLE that is no exact
//     DECIMAL (0.1 is not; it is 0.1000000000000000055...) equals a
//     DECIMAL only after the DECIMAL is rounded to DOUBLE, the common type
//     of the two, to which the planner casts before hashing.
//   - DATE hashes as the TIMESTAMP of its midnight; TIMESTAMP(p) of any p
//     by its micros; INTERVAL by months * 30 days + micros.
//   - VARCHAR and BYTES by their bytes; NULL by a constant of its own.

/// The hash of one value.
uint64_t HashValue(const types::Value& value);
/// Folds the hash of the next key column into a running key hash (order
/// matters: (a, b) and (b, a) differ).
uint64_t CombineKeyHash(uint64_t key_hash, uint64_t value_hash);
/// The hash of a key of several columns: CombineKeyHash over the columns,
/// starting from 0.
uint64_t HashKey(std::span<const types::Value> key);
/// HashKey of the key columns of each live row of `batch`, in selection
/// order (one entry per live row). Equal to HashKey over the rows' values.
void HashKeyColumns(const types::Batch& batch,
                    const std::vector<int>& key_columns,
                    std::vector<uint64_t>* hashes);

// ---- Key encoding
// ------------------------------------------------------------

/// A stateful operator's id: stable, derived from the physical plan.
using OperatorId = uint32_t;
/// Operator id 0 is reserved for a task's own entries (source positions
/// and other checkpoint metadata); plan ids start at 1.
inline constexpr OperatorId kTaskMetadataOperator = 0;

enum class SortOrder : uint8_t { kAscending, kDescending };

/// Appends the 6-byte prefix of every key of (`op`, `key_group`);
/// key_group must be in 0 .. kMaxMaxParallelism-1 (WEIR_CHECKed).
void AppendKeyPrefix(std::string* out, OperatorId op, int key_group);
/// The prefix alone.
std::string KeyPrefix(OperatorId op, int key_group);
/// The first key after every key of `op` (all its key groups): the end of
/// a scan over an operator's whole state.
std::string OperatorKeysEnd(OperatorId op);

/// Appends the encoding of `value` (NULL or not) by its own type. Every
/// value of one key part must have one type (the planner casts them; a
/// DECIMAL of another scale would be another number).
void AppendValue(std::string* out, const types::Value& value,
                 SortOrder order = SortOrder::kAscending);
/// Appends the encoding of row `row` of `column` by the column's type;
/// equal to AppendValue(out, column.GetValue(row), order), without
/// building a Value.
void AppendColumnValue(std::string* out, const types::Column& column,
                       size_t row, SortOrder order = SortOrder::kAscending);
/// Appends a time (event time, window start or end: micros since the
/// epoch; any int64) as 8 order-preserving bytes, no NULL marker.
void AppendTime(std::string* out, int64_t micros);

/// The smallest key greater than every key that starts with `prefix`
/// (the end of a prefix scan); empty when there is none (all 0xFF).
std::string PrefixSuccessor(std::string_view prefix);

/// The operator id and key group at the front of a key.
struct DecodedPrefix {
  OperatorId op = 0;
  int key_group = 0;
};
/// Decoders read from the front of `*in` and advance it. Bytes that are no
/// valid encoding (cut short, a bad marker or escape, a value out of its
/// type's range) are a DataLoss error, never a crash.
absl::StatusOr<DecodedPrefix> DecodeKeyPrefix(std::string_view* in);
absl::StatusOr<types::Value> DecodeValue(
    std::string_view* in, const types::LogicalType& type,
    SortOrder order = SortOrder::kAscending);
absl::StatusOr<int64_t> DecodeTime(std::string_view* in);

}  // namespace weir::storage

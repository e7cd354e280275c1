#pragma once

// The runtime of the aggregate functions: COUNT(*), COUNT(x),
// COUNT(DISTINCT x), SUM, AVG (each also with DISTINCT), MIN and MAX. An
// operator that aggregates keeps one AggregateState per group and key; it
// adds the values of inserted rows, retracts those of deleted rows (a
// changelog input), merges partial states, reads the result, and stores a
// state as bytes between checkpoints.
//
// Each aggregate is one registration (functions/aggregates.cc) with its
// names, type rule (ResolveAggregate in functions.h), state and these
// operations. Update is one call per batch with a typed loop inside; no
// virtual call per row.
//
// Exactness: integer and DECIMAL sums are kept exactly (in 256 bits), so
// adding and retracting in any order gives the same result; a result that
// does not fit its type is an error when it is read (OutOfRange), not when
// a row is added. DOUBLE sums are IEEE sums: with retractions the last bits
// may differ from a fresh sum of the remaining values; NaN and infinities
// are counted, so retracting them restores a finite sum. MIN, MAX and the
// DISTINCT aggregates keep every value with its multiplicity (a value
// multiset), which is what makes them retractable.

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/expr/functions.h"
#include "engine/types/batch.h"
#include "engine/types/value.h"

namespace weir::expr {

/// The state one group keeps for one aggregate call. Opaque: created, read
/// and written only through the AggregateKernel that made it. Not
/// thread-safe.
class AggregateState {
 public:
  virtual ~AggregateState() = default;
};

/// One aggregate call bound to its argument and result types. Immutable:
/// one kernel may serve many groups and threads (their states are theirs).
class AggregateKernel {
 public:
  virtual ~AggregateKernel() = default;

  /// The call this kernel computes.
  const ResolvedAggregate& call() const { return call_; }

  /// The state of a group that has seen no row.
  virtual std::unique_ptr<AggregateState> NewState() const = 0;

  /// Adds (or, with `retract`, removes) the value of each row `rows[i]` of
  /// `input` to the state `states[i]` (rows of one group share a state).
  /// `input` is the aggregated column (of the call's argument type), or
  /// nullptr for COUNT(*), which counts rows. NULL values are skipped.
  /// FailedPrecondition when a retraction removes a row or value that was
  /// not added; the states are then unspecified.
  virtual absl::Status Update(const types::Column* input,
                              std::span<const uint32_t> rows,
                              std::span<AggregateState* const> states,
                              bool retract) const = 0;

  /// Adds everything `from` holds to `into` (partial aggregates of one
  /// group, e.g. from two tasks).
  virtual void Merge(AggregateState* into,
                     const AggregateState& from) const = 0;

  /// The result for a group: a value of the call's result type; NULL when
  /// no (non-NULL) value was added, except COUNT, which is 0. OutOfRange
  /// when the exact result does not fit the result type.
  virtual absl::StatusOr<types::Value> Result(
      const AggregateState& state) const = 0;

  /// The state as bytes for the state store, and back. Deserialize fails
  /// (DataLoss) on bytes this kernel did not write.
  virtual std::string Serialize(const AggregateState& state) const = 0;
  virtual absl::StatusOr<std::unique_ptr<AggregateState>> Deserialize(
      std::string_view bytes) const = 0;

  /// The same bytes and states without allocating per call, for the
  /// operators' per-group loops: SerializeTo appends Serialize(state) to
  /// `out`; DeserializeInto reads `bytes` into *state, reusing the object
  /// when there is one (it must be a state this kernel made), else making
  /// one. The fixed-size states (COUNT, SUM, AVG, MIN/MAX over append-only
  /// input) override both; the others fall back to Serialize/Deserialize.
  virtual void SerializeTo(const AggregateState& state,
                           std::string* out) const {
    out->append(Serialize(state));
  }
  virtual absl::Status DeserializeInto(
      std::string_view bytes, std::unique_ptr<AggregateState>* state) const {
    absl::StatusOr<std::unique_ptr<AggregateState>> read = Deserialize(bytes);
    if (!read.ok()) return read.status();
    *state = *std::move(read);
    return absl::OkStatus();
  }

 protected:
  explicit AggregateKernel(ResolvedAggregate call) : call_(std::move(call)) {}

 private:
  ResolvedAggregate call_;
};

/// The kernel of a call resolved by ResolveAggregate. InvalidArgument for a
/// function or argument type no aggregate registration accepts.
/// `input_retracts` false says the input is append-only: MIN and MAX then
/// keep only the current extreme, not the value multiset, and refuse a
/// retraction.
absl::StatusOr<std::unique_ptr<AggregateKernel>> MakeAggregateKernel(
    const ResolvedAggregate& call, bool input_retracts = true);

}  // namespace weir::expr

#pragma once

// The values of one expression node over the rows of a batch (Vec) and the
// row loops every node and kernel runs. Internal to engine/expr.
//
// A Vec is either a view of an input column (no copy), a constant (one value
// for every row), or owned buffers indexed by physical row. Only the rows a
// node was asked for (its `rows`, ascending physical indexes) are valid.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "engine/types/batch.h"
#include "engine/types/decimal_util.h"
#include "engine/types/logical_type.h"
#include "engine/types/value.h"

namespace weir::expr::internal {

using types::internal::int128;
using Rows = std::span<const uint32_t>;
using RowList = std::vector<uint32_t>;

/// The null flag shared by every Vec of the NULL type.
inline constexpr uint8_t kAlwaysNull = 1;

/// True for a UTF-8 continuation byte (10xxxxxx).
inline bool IsContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

/// The values of one node over the rows of a batch. Not copyable: `data`
/// and `nulls` may point into the owned buffers.
struct Vec {
  Vec() = default;
  Vec(const Vec&) = delete;
  Vec& operator=(const Vec&) = delete;
  Vec(Vec&&) = default;
  Vec& operator=(Vec&&) = default;

  types::LogicalType type;
  types::PhysicalType physical = types::PhysicalType::kNull;
  /// One value (index 0) stands for every row.
  bool constant = false;
  /// Per row (index 0 when constant); nullptr when no row is NULL.
  const uint8_t* nulls = nullptr;
  /// int64_t, double, int128, std::string or IntervalValue by `physical`.
  const void* data = nullptr;

  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<int128> decimals;
  std::vector<std::string> strings;
  std::vector<types::IntervalValue> intervals;
  std::vector<uint8_t> null_buf;

  /// Forgets the values and takes type `t` (the NULL type: constant NULL).
  void Init(const types::LogicalType& t) {
    type = t;
    physical = types::PhysicalTypeOf(t);
    constant = physical == types::PhysicalType::kNull;
    data = nullptr;
    nulls = constant ? &kAlwaysNull : nullptr;
  }
  size_t Index(size_t r) const { return constant ? 0 : r; }
  bool IsNull(size_t r) const {
    return nulls != nullptr && nulls[constant ? 0 : r] != 0;
  }
  /// True when every row is NULL (the NULL type, or a NULL constant).
  bool AllNull() const { return constant && nulls != nullptr && nulls[0]; }
  template <typename T>
  const T* Data() const {
    return static_cast<const T*>(data);
  }
  bool OwnsStrings() const {
    return physical == types::PhysicalType::kString && !constant &&
           data == static_cast<const void*>(strings.data());
  }
  /// Owned, value-initialized values for `n` physical rows.
  template <typename T>
  T* Allocate(size_t n) {
    std::vector<T>* v;
    if constexpr (std::is_same_v<T, int64_t>) {
      v = &ints;
    } else if constexpr (std::is_same_v<T, double>) {
      v = &doubles;
    } else if constexpr (std::is_same_v<T, int128>) {
      v = &decimals;
    } else if constexpr (std::is_same_v<T, std::string>) {
      v = &strings;
    } else {
      static_assert(std::is_same_v<T, types::IntervalValue>);
      v = &intervals;
    }
    v->assign(n, T{});
    data = v->data();
    return v->data();
  }
  /// Owned null flags for `n` rows, all false.
  uint8_t* AllocateNulls(size_t n) {
    null_buf.assign(n, 0);
    nulls = null_buf.data();
    return null_buf.data();
  }
  /// Null flags this Vec owns and may change: its own buffer when `nulls`
  /// already is, else new ones (all false) for `n` rows.
  uint8_t* MutableNulls(size_t n) {
    if (nulls != nullptr && nulls == null_buf.data()) return null_buf.data();
    return AllocateNulls(n);
  }
  /// Owned, value-initialized values of this Vec's physical type for `n`
  /// rows; the null flags are left as they are.
  void AllocateValues(size_t n);
  /// Owned storage of this Vec's physical type for `n` rows plus nulls.
  uint8_t* AllocateAll(size_t n);
};

/// The value at physical row `r` as a Value of the Vec's type (slow path:
/// error messages, casts through types::CastValue).
types::Value ValueAt(const Vec& v, size_t r);
/// Stores `value` (of `out`'s physical type, or NULL) at row `r` of a Vec
/// with owned storage (AllocateAll).
void StoreValue(Vec* out, size_t r, types::Value value);
/// Makes `out` the constant `value` (already of type `type`).
void SetConstant(Vec* out, const types::LogicalType& type,
                 const types::Value& value);
/// Makes `out` NULL in every row, of type `type`.
inline void SetAllNull(Vec* out, const types::LogicalType& type) {
  SetConstant(out, type, types::Value::Null(type));
}
/// Copies the values of `src` at `rows` into `dst` (owned storage of the
/// same physical type); moves strings out of `src` when it owns them.
void CopyRows(Vec& src, Rows rows, Vec* dst);

/// Sets out->nulls to the OR of the null flags of `args` over `rows`
/// (nullptr when no argument has any) and returns it. The flags are `out`'s
/// own buffer.
const uint8_t* PropagateNulls(std::span<const Vec> args, Rows rows,
                              size_t num_rows, Vec* out);

/// Reads a BOOLEAN Vec at row r as a Tribool.
inline types::Tribool TriboolAt(const Vec& v, uint32_t r) {
  if (v.IsNull(r)) return types::Tribool::kUnknown;
  return v.Data<int64_t>()[v.Index(r)] != 0 ? types::Tribool::kTrue
                                            : types::Tribool::kFalse;
}

/// Calls `f(r)` for each row of `rows` not flagged in `nulls` (nullptr: no
/// flags); stops at the first `f` returning false. Returns the position in
/// `rows` where it stopped, or rows.size().
template <bool kHasNulls, typename F>
inline size_t LoopRows(Rows rows, const uint8_t* nulls, F&& f) {
  const size_t n = rows.size();
  const uint32_t* p = rows.data();
  for (size_t i = 0; i < n; ++i) {
    uint32_t r = p[i];
    if constexpr (kHasNulls) {
      if (nulls[r]) continue;
    }
    if (!f(r)) return i;
  }
  return n;
}

template <typename F>
inline size_t ForRows(Rows rows, const uint8_t* nulls, F&& f) {
  return nulls != nullptr ? LoopRows<true>(rows, nulls, f)
                          : LoopRows<false>(rows, nulls, f);
}

/// ForRows over two operands: calls f(r, ia, ib) with the operands' value
/// indexes, one instantiation per constness so the loop has no branch on it.
template <typename F>
inline size_t ForRows2(const Vec& a, const Vec& b, Rows rows,
                       const uint8_t* nulls, F&& f) {
  if (!a.constant && !b.constant) {
    return ForRows(
        rows, nulls, [&](uint32_t r) __attribute__((always_inline)) {
          return f(r, r, r);
        });
  }
  if (!a.constant) {
    return ForRows(
        rows, nulls, [&](uint32_t r) __attribute__((always_inline)) {
          return f(r, r, 0u);
        });
  }
  if (!b.constant) {
    return ForRows(
        rows, nulls, [&](uint32_t r) __attribute__((always_inline)) {
          return f(r, 0u, r);
        });
  }
  return ForRows(
      rows, nulls, [&](uint32_t r) __attribute__((always_inline)) {
        return f(r, 0u, 0u);
      });
}

}  // namespace weir::expr::internal

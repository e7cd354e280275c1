#include "engine/exec/key_hash.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "engine/base/check.h"
#include "engine/types/decimal_util.h"
#include "xxhash.h"

namespace weir::exec {
namespace {

using types::TypeId;

// Seeds a NULL with a constant of its own, so NULL differs from 0 and "".
constexpr uint64_t kNullMarker = 0x9e3779b97f4a7c15ULL;
constexpr int64_t kMicrosPerDay = int64_t{86400} * 1000000;

inline uint64_t Mix(const void* data, size_t len, uint64_t seed) {
  return XXH3_64bits_withSeed(data, len, seed);
}

/// The canonical DOUBLE of a number: -0.0 is 0.0, every NaN one NaN.
inline uint64_t MixDouble(double v, uint64_t seed) {
  if (v == 0) v = 0;
  if (std::isnan(v)) v = std::numeric_limits<double>::quiet_NaN();
  return Mix(&v, sizeof v, seed);
}

/// unscaled / 10^scale rounded to the nearest DOUBLE. Both operands are
/// exact doubles on the fast path, so the division rounds once, correctly:
/// the same result as the exact conversion of the slow path, which is how
/// Weir compares a DECIMAL with a DOUBLE.
inline double DecimalAsDouble(__int128 unscaled, int scale) {
  constexpr __int128 kExact = __int128{1} << 53;
  static constexpr double kPow10[] = {
      1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if (unscaled < kExact && unscaled > -kExact && scale >= 0 && scale <= 22) {
    return static_cast<double>(static_cast<int64_t>(unscaled)) / kPow10[scale];
  }
  return types::internal::DecimalToDouble(unscaled, scale);
}

/// Calls fn(row, hash&) for each live row, in selection order.
template <typename Fn>
void ForEachLive(const types::Batch& batch, std::vector<uint64_t>* hashes,
                 Fn&& fn) {
  size_t i = 0;
  if (batch.has_selection()) {
    for (uint32_t r : batch.selection()) fn(r, (*hashes)[i++]);
  } else {
    for (size_t r = 0; r < batch.num_rows(); ++r) fn(r, (*hashes)[i++]);
  }
}

/// Folds column `col` into the running hash of each live row.
void HashColumn(const types::Batch& batch, const types::Column& col,
                std::vector<uint64_t>* hashes) {
  const TypeId id = col.type().id();
  auto each = [&](auto&& value_fn) {
    ForEachLive(batch, hashes, [&](size_t r, uint64_t& h) {
      if (id == TypeId::kNull || col.IsNull(r)) {
        h = Mix(&kNullMarker, sizeof kNullMarker, h);
      } else {
        h = value_fn(r, h);
      }
    });
  };
  switch (id) {
    case TypeId::kNull:
      each([](size_t, uint64_t h) { return h; });
      return;
    case TypeId::kBoolean:
    case TypeId::kInt:
    case TypeId::kBigint:
      each([&](size_t r, uint64_t h) {
        return MixDouble(static_cast<double>(col.ints()[r]), h);
      });
      return;
    case TypeId::kDouble:
      each(
          [&](size_t r, uint64_t h) { return MixDouble(col.doubles()[r], h); });
      return;
    case TypeId::kDecimal: {
      const int scale = col.type().scale();
      each([&](size_t r, uint64_t h) {
        return MixDouble(DecimalAsDouble(col.decimals()[r], scale), h);
      });
      return;
    }
    case TypeId::kDate:
      each([&](size_t r, uint64_t h) {
        int64_t micros = col.ints()[r] * kMicrosPerDay;
        return Mix(&micros, sizeof micros, h);
      });
      return;
    case TypeId::kTime:
    case TypeId::kTimestamp:
      each([&](size_t r, uint64_t h) {
        int64_t micros = col.ints()[r];
        return Mix(&micros, sizeof micros, h);
      });
      return;
    case TypeId::kVarchar:
    case TypeId::kBytes:
      each([&](size_t r, uint64_t h) {
        const std::string& s = col.strings()[r];
        // The length first, so ("ab","c") and ("a","bc") differ.
        uint64_t len = s.size();
        h = Mix(&len, sizeof len, h);
        return Mix(s.data(), s.size(), h);
      });
      return;
    case TypeId::kInterval:
      each([&](size_t r, uint64_t h) {
        const types::IntervalValue& v = col.intervals()[r];
        __int128 total =
            static_cast<__int128>(v.months) * 30 * kMicrosPerDay + v.micros;
        return Mix(&total, sizeof total, h);
      });
      return;
  }
  WEIR_CHECK_MSG(false, "key column of an unknown type");
}

}  // namespace

void KeyHash(const types::Batch& batch, const std::vector<int>& key_columns,
             std::vector<uint64_t>* hashes) {
  hashes->assign(batch.num_selected(), 0);
  for (int c : key_columns) {
    WEIR_CHECK(c >= 0 && static_cast<size_t>(c) < batch.num_columns());
    HashColumn(batch, batch.column(static_cast<size_t>(c)), hashes);
  }
}

std::pair<int, int> KeyGroupRange(int task, int tasks, int max_parallelism) {
  auto start = [&](int t) {
    return static_cast<int>(
        (static_cast<int64_t>(t) * max_parallelism + tasks - 1) / tasks);
  };
  return {start(task), start(task + 1)};
}

}  // namespace weir::exec

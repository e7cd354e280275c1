#include "storage/key_codec.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "engine/base/check.h"
#include "engine/types/decimal_util.h"
#include "engine/types/temporal_util.h"
#include "fmt/format.h"
// Inlined (the same functions, so the same hashes): the key hash runs
// several times per row (exchange, keyed operator), and the library call
// cost more than the hash of 8 bytes itself.
#define XXH_INLINE_ALL
#include "xxhash.h"

namespace weir::storage {
namespace {

using types::IntervalValue;
using types::LogicalType;
using types::TypeId;
using types::Value;
using int128 = __int128;
using uint128 = unsigned __int128;

constexpr uint8_t kNullMarker = 0x00;
constexpr uint8_t kValueMarker = 0x01;
constexpr uint8_t kEscape = 0xFF;      // 0x00 0xFF: a 0x00 byte of a string
constexpr uint8_t kTerminator = 0x01;  // 0x00 0x01: the end of a string
constexpr uint64_t kSignBit = uint64_t{1} << 63;
// INTERVAL compares as months * 30 days + micros (types::CompareValues).
constexpr int64_t kMicrosPerMonth = 30 * types::internal::kMicrosPerDay;

// Seeds of the hash forms that are not a plain 64-bit integer. Part of the
// on-disk format (key groups): never change them.
constexpr uint64_t kNullHash = 0x6e756c6c6b657931ULL;    // "nullkey1"
constexpr uint64_t kNaNHash = 0x6e616e6b65793031ULL;     // "nankey01"
constexpr uint64_t kExactSeed = 0x646563696d616c31ULL;   // "decimal1"
constexpr uint64_t kDoubleSeed = 0x646f75626c653031ULL;  // "double01"
constexpr uint64_t kStringSeed = 0x737472696e673031ULL;  // "string01"

// ---- Fixed-width big-endian pieces ----

void PutU64(std::string* out, uint64_t v) {
  // Big-endian: one byte swap and one copy on the usual machine.
  if constexpr (std::endian::native == std::endian::little) {
    v = __builtin_bswap64(v);
  } else {
    uint64_t be = 0;
    for (int i = 0; i < 8; ++i) be |= ((v >> (8 * i)) & 0xff) << (56 - 8 * i);
    v = be;
  }
  char b[8];
  std::memcpy(b, &v, sizeof b);
  out->append(b, 8);
}

uint64_t GetU64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return v;
}

uint64_t OrderedInt64(int64_t v) { return static_cast<uint64_t>(v) ^ kSignBit; }
int64_t FromOrderedInt64(uint64_t u) {
  return static_cast<int64_t>(u ^ kSignBit);
}

double CanonicalDouble(double d) {
  if (std::isnan(d)) return std::numeric_limits<double>::quiet_NaN();
  return d == 0 ? 0.0 : d;  // -0.0 equals 0.0
}

uint64_t OrderedDouble(double d) {
  uint64_t bits;
  double c = CanonicalDouble(d);
  std::memcpy(&bits, &c, sizeof bits);
  return (bits & kSignBit) ? ~bits : (bits | kSignBit);
}

double FromOrderedDouble(uint64_t u) {
  uint64_t bits = (u & kSignBit) ? (u & ~kSignBit) : ~u;
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

void PutInt128(std::string* out, int128 v) {
  uint128 u = static_cast<uint128>(v);
  PutU64(out, static_cast<uint64_t>(u >> 64) ^ kSignBit);
  PutU64(out, static_cast<uint64_t>(u));
}

int128 IntervalTotal(const IntervalValue& v) {
  return static_cast<int128>(v.months) * kMicrosPerMonth + v.micros;
}

// ---- One non-NULL cell, from a Value or a column ----

/// The typed content of a cell, whichever container it came from, so that
/// encoding and hashing are written once.
struct Cell {
  TypeId id = TypeId::kNull;
  int64_t i = 0;  // BOOLEAN (0/1), INT, BIGINT, DATE, TIME, TIMESTAMP
  double d = 0;
  int128 dec = 0;
  int scale = 0;
  std::string_view s;
  IntervalValue iv;
};

Cell CellOf(const Value& v) {
  Cell c;
  c.id = v.type().id();
  switch (c.id) {
    case TypeId::kNull:
      break;
    case TypeId::kBoolean:
      c.i = v.boolean() ? 1 : 0;
      break;
    case TypeId::kInt:
    case TypeId::kBigint:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
      c.i = v.integer();
      break;
    case TypeId::kDouble:
      c.d = v.dbl();
      break;
    case TypeId::kDecimal:
      c.dec = v.decimal();
      c.scale = v.type().scale();
      break;
    case TypeId::kVarchar:
    case TypeId::kBytes:
      c.s = v.str();
      break;
    case TypeId::kInterval:
      c.iv = v.interval();
      break;
  }
  return c;
}

Cell CellOf(const types::Column& col, size_t row) {
  Cell c;
  c.id = col.type().id();
  switch (col.physical()) {
    case types::PhysicalType::kInt64:
      c.i = col.ints()[row];
      if (c.id == TypeId::kBoolean) c.i = c.i != 0 ? 1 : 0;
      break;
    case types::PhysicalType::kDouble:
      c.d = col.doubles()[row];
      break;
    case types::PhysicalType::kInt128:
      c.dec = col.decimals()[row];
      c.scale = col.type().scale();
      break;
    case types::PhysicalType::kString:
      c.s = col.StringAt(row);
      break;
    case types::PhysicalType::kInterval:
      c.iv = col.intervals()[row];
      break;
    case types::PhysicalType::kNull:
      break;
  }
  return c;
}

void AppendEscaped(std::string* out, std::string_view s) {
  while (!s.empty()) {
    const void* zero = std::memchr(s.data(), 0, s.size());
    size_t n =
        zero == nullptr
            ? s.size()
            : static_cast<size_t>(static_cast<const char*>(zero) - s.data());
    out->append(s.data(), n);
    if (zero == nullptr) break;
    out->push_back(0);
    out->push_back(static_cast<char>(kEscape));
    s.remove_prefix(n + 1);
  }
  out->push_back(0);
  out->push_back(static_cast<char>(kTerminator));
}

/// Appends a non-NULL cell (marker included), ascending.
void AppendCell(std::string* out, const Cell& c) {
  out->push_back(static_cast<char>(kValueMarker));
  switch (c.id) {
    case TypeId::kNull:
      WEIR_CHECK_MSG(false, "a non-NULL value of type NULL");
      break;
    case TypeId::kBoolean:
      out->push_back(static_cast<char>(c.i));
      break;
    case TypeId::kInt:
    case TypeId::kBigint:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp:
      PutU64(out, OrderedInt64(c.i));
      break;
    case TypeId::kDouble:
      PutU64(out, OrderedDouble(c.d));
      break;
    case TypeId::kDecimal:
      PutInt128(out, c.dec);
      break;
    case TypeId::kVarchar:
    case TypeId::kBytes:
      AppendEscaped(out, c.s);
      break;
    case TypeId::kInterval:
      PutInt128(out, IntervalTotal(c.iv));
      break;
  }
}

void InvertFrom(std::string* out, size_t start) {
  for (size_t k = start; k < out->size(); ++k) (*out)[k] = ~(*out)[k];
}

// ---- Hashing ----

uint64_t HashInt64(int64_t v) {
  unsigned char b[8];
  uint64_t u = static_cast<uint64_t>(v);
  for (int k = 0; k < 8; ++k) b[k] = static_cast<unsigned char>(u >> (8 * k));
  return XXH3_64bits(b, sizeof b);
}

/// An exact number unscaled / 10^scale (scale >= 0).
uint64_t HashExact(int128 unscaled, int scale) {
  while (scale > 0 && unscaled % 10 == 0) {
    unscaled /= 10;
    --scale;
  }
  if (scale == 0 && unscaled >= std::numeric_limits<int64_t>::min() &&
      unscaled <= std::numeric_limits<int64_t>::max()) {
    return HashInt64(static_cast<int64_t>(unscaled));
  }
  unsigned char b[17];
  uint128 u = static_cast<uint128>(unscaled);
  for (int k = 0; k < 16; ++k) b[k] = static_cast<unsigned char>(u >> (8 * k));
  b[16] = static_cast<unsigned char>(scale);
  return XXH3_64bits_withSeed(b, sizeof b, kExactSeed);
}

/// A double that is exactly unscaled / 10^scale with unscaled in 128 bits;
/// false when it is no such number (then no DECIMAL equals it).
bool ExactOfDouble(double d, int128* unscaled, int* scale) {
  int exp = 0;
  double m = std::frexp(d, &exp);  // d = m * 2^exp, 0.5 <= |m| < 1
  int64_t mant = static_cast<int64_t>(std::ldexp(m, 53));
  exp -= 53;  // d = mant * 2^exp exactly
  while (mant % 2 == 0 && exp < 0) {
    mant /= 2;
    ++exp;
  }
  if (exp >= 0) {
    // An integer: mant * 2^exp with |mant| < 2^53, so exp <= 74 fits in
    // 128 bits (and covers every DECIMAL, which stays below 10^38).
    if (exp > 127 - 53) return false;
    *unscaled = static_cast<int128>(mant) * (int128{1} << exp);
    *scale = 0;
    return true;
  }
  // mant / 2^k = mant * 5^k / 10^k with mant odd: k fraction digits.
  int k = -exp;
  if (k > types::LogicalType::kMaxDecimalPrecision) return false;
  int128 v = mant;
  for (int j = 0; j < k; ++j) {
    if (__builtin_mul_overflow(v, 5, &v)) return false;
  }
  *unscaled = v;
  *scale = k;
  return true;
}

uint64_t HashDouble(double d) {
  if (std::isnan(d)) return kNaNHash;
  constexpr double kTwo63 = 9223372036854775808.0;
  if (d == std::trunc(d) && d >= -kTwo63 && d < kTwo63) {
    return HashInt64(static_cast<int64_t>(d));  // also -0.0 -> 0
  }
  int128 unscaled;
  int scale;
  if (std::isfinite(d) && ExactOfDouble(d, &unscaled, &scale)) {
    return HashExact(unscaled, scale);
  }
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  return XXH3_64bits_withSeed(&bits, sizeof bits, kDoubleSeed);
}

uint64_t HashCell(const Cell& c) {
  switch (c.id) {
    case TypeId::kNull:
      return kNullHash;
    case TypeId::kBoolean:
    case TypeId::kInt:
    case TypeId::kBigint:
    case TypeId::kTime:
    case TypeId::kTimestamp:
      return HashInt64(c.i);
    case TypeId::kDate:
      // The TIMESTAMP of its midnight (wrapping, never UB, far out of range).
      return HashInt64(static_cast<int64_t>(
          static_cast<uint64_t>(c.i) *
          static_cast<uint64_t>(types::internal::kMicrosPerDay)));
    case TypeId::kDouble:
      return HashDouble(c.d);
    case TypeId::kDecimal:
      return HashExact(c.dec, c.scale);
    case TypeId::kVarchar:
    case TypeId::kBytes:
      return XXH3_64bits_withSeed(c.s.data(), c.s.size(), kStringSeed);
    case TypeId::kInterval:
      return HashExact(IntervalTotal(c.iv), 0);
  }
  return kNullHash;
}

// ---- Decoding ----

absl::Status Corrupt(std::string_view what) {
  return absl::DataLossError(fmt::format("corrupt state key: {}", what));
}

/// Reads `n` bytes (inverted back when descending) into `buf`.
absl::Status Take(std::string_view* in, size_t n, uint8_t mask,
                  unsigned char* buf, std::string_view what) {
  if (in->size() < n) {
    return Corrupt(
        fmt::format("{} cut short ({} of {} bytes)", what, in->size(), n));
  }
  for (size_t k = 0; k < n; ++k) {
    buf[k] = static_cast<unsigned char>((*in)[k]) ^ mask;
  }
  in->remove_prefix(n);
  return absl::OkStatus();
}

absl::StatusOr<std::string> TakeEscaped(std::string_view* in, uint8_t mask) {
  std::string s;
  size_t k = 0;
  while (true) {
    if (k >= in->size()) return Corrupt("unterminated string");
    unsigned char c = static_cast<unsigned char>((*in)[k]) ^ mask;
    if (c != 0) {
      s.push_back(static_cast<char>(c));
      ++k;
      continue;
    }
    if (k + 1 >= in->size()) return Corrupt("unterminated string");
    unsigned char next = static_cast<unsigned char>((*in)[k + 1]) ^ mask;
    k += 2;
    if (next == kTerminator) break;
    if (next != kEscape) {
      return Corrupt(fmt::format("bad escape 0x00 0x{:02x} in a string", next));
    }
    s.push_back('\0');
  }
  in->remove_prefix(k);
  return s;
}

absl::StatusOr<int128> TakeInt128(std::string_view* in, uint8_t mask,
                                  std::string_view what) {
  unsigned char b[16];
  absl::Status st = Take(in, 16, mask, b, what);
  if (!st.ok()) return st;
  uint128 u =
      (static_cast<uint128>(GetU64(b) ^ kSignBit) << 64) | GetU64(b + 8);
  return static_cast<int128>(u);
}

/// The canonical INTERVAL of a total: whole 30-day months (as many as fit
/// in 32 bits), the rest in micros with the same sign.
absl::StatusOr<IntervalValue> IntervalOfTotal(int128 total) {
  constexpr int128 kMaxTotal =
      static_cast<int128>(std::numeric_limits<int32_t>::max()) *
          kMicrosPerMonth +
      std::numeric_limits<int64_t>::max();
  constexpr int128 kMinTotal =
      static_cast<int128>(std::numeric_limits<int32_t>::min()) *
          kMicrosPerMonth +
      std::numeric_limits<int64_t>::min();
  if (total > kMaxTotal || total < kMinTotal) {
    return Corrupt("INTERVAL out of range");
  }
  int128 months = total / kMicrosPerMonth;
  months = std::min<int128>(months, std::numeric_limits<int32_t>::max());
  months = std::max<int128>(months, std::numeric_limits<int32_t>::min());
  IntervalValue v;
  v.months = static_cast<int32_t>(months);
  v.micros = static_cast<int64_t>(total - months * kMicrosPerMonth);
  return v;
}

template <typename Fn>
void ForEachLiveRow(const types::Batch& batch, Fn&& fn) {
  if (batch.has_selection()) {
    size_t i = 0;
    for (uint32_t r : batch.selection()) fn(r, i++);
  } else {
    for (size_t r = 0; r < batch.num_rows(); ++r) fn(r, r);
  }
}

}  // namespace

// ---- Key groups ----

absl::Status CheckMaxParallelism(int max_parallelism) {
  if (max_parallelism >= 1 && max_parallelism <= kMaxMaxParallelism) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(
      fmt::format("max-parallelism must be between 1 and {}, got {}",
                  kMaxMaxParallelism, max_parallelism));
}

KeyGroupRange KeyGroupRangeForTask(int task, int tasks, int max_parallelism) {
  WEIR_CHECK(tasks >= 1 && tasks <= max_parallelism);
  WEIR_CHECK(task >= 0 && task < tasks);
  // Group g goes to task floor(g * tasks / max); task i's first group is
  // the smallest g with g * tasks >= i * max.
  int64_t m = max_parallelism, n = tasks, i = task;
  KeyGroupRange r;
  r.first = static_cast<int>((i * m + n - 1) / n);
  r.last = static_cast<int>(((i + 1) * m + n - 1) / n - 1);
  return r;
}

int TaskForKeyGroup(int key_group, int tasks, int max_parallelism) {
  WEIR_CHECK(key_group >= 0 && key_group < max_parallelism);
  return static_cast<int>(static_cast<int64_t>(key_group) * tasks /
                          max_parallelism);
}

// ---- Hashing ----

uint64_t HashValue(const Value& value) {
  return value.is_null() ? kNullHash : HashCell(CellOf(value));
}

uint64_t CombineKeyHash(uint64_t key_hash, uint64_t value_hash) {
  unsigned char b[8];
  for (int k = 0; k < 8; ++k) {
    b[k] = static_cast<unsigned char>(value_hash >> (8 * k));
  }
  return XXH3_64bits_withSeed(b, sizeof b, key_hash);
}

uint64_t HashKey(std::span<const Value> key) {
  uint64_t h = 0;
  for (const Value& v : key) h = CombineKeyHash(h, HashValue(v));
  return h;
}

void HashKeyColumns(const types::Batch& batch,
                    const std::vector<int>& key_columns,
                    std::vector<uint64_t>* hashes) {
  hashes->assign(batch.num_selected(), 0);
  for (int c : key_columns) {
    WEIR_CHECK(c >= 0 && static_cast<size_t>(c) < batch.num_columns());
    const types::Column& col = batch.column(static_cast<size_t>(c));
    const bool all_null = col.physical() == types::PhysicalType::kNull;
    const TypeId id = col.type().id();
    if (col.physical() == types::PhysicalType::kInt64 &&
        (id == TypeId::kInt || id == TypeId::kBigint ||
         id == TypeId::kTime || id == TypeId::kTimestamp)) {
      // The common key (HashCell's case for these types, without a Cell).
      // Keys often repeat row after row (a window's bounds): the last
      // value's hash is kept.
      const int64_t* ints = col.ints();
      int64_t last = 0;
      uint64_t last_hash = HashInt64(0);
      ForEachLiveRow(batch, [&](size_t row, size_t i) {
        uint64_t v = kNullHash;
        if (!col.IsNull(row)) {
          if (ints[row] != last) {
            last = ints[row];
            last_hash = HashInt64(last);
          }
          v = last_hash;
        }
        (*hashes)[i] = CombineKeyHash((*hashes)[i], v);
      });
      continue;
    }
    ForEachLiveRow(batch, [&](size_t row, size_t i) {
      uint64_t v =
          all_null || col.IsNull(row) ? kNullHash : HashCell(CellOf(col, row));
      (*hashes)[i] = CombineKeyHash((*hashes)[i], v);
    });
  }
}

// ---- Encoding ----

void AppendKeyPrefix(std::string* out, OperatorId op, int key_group) {
  WEIR_CHECK(key_group >= 0 && key_group < kMaxMaxParallelism);
  char b[6] = {static_cast<char>(op >> 24),       static_cast<char>(op >> 16),
               static_cast<char>(op >> 8),        static_cast<char>(op),
               static_cast<char>(key_group >> 8), static_cast<char>(key_group)};
  out->append(b, sizeof b);
}

std::string KeyPrefix(OperatorId op, int key_group) {
  std::string s;
  AppendKeyPrefix(&s, op, key_group);
  return s;
}

std::string OperatorKeysEnd(OperatorId op) {
  // The operator id is the prefix's first 4 bytes.
  return PrefixSuccessor(KeyPrefix(op, 0).substr(0, 4));
}

void AppendValue(std::string* out, const Value& value, SortOrder order) {
  size_t start = out->size();
  if (value.is_null()) {
    out->push_back(static_cast<char>(kNullMarker));
  } else {
    AppendCell(out, CellOf(value));
  }
  if (order == SortOrder::kDescending) InvertFrom(out, start);
}

void AppendColumnValue(std::string* out, const types::Column& column,
                       size_t row, SortOrder order) {
  size_t start = out->size();
  if (column.physical() == types::PhysicalType::kNull || column.IsNull(row)) {
    out->push_back(static_cast<char>(kNullMarker));
  } else {
    AppendCell(out, CellOf(column, row));
  }
  if (order == SortOrder::kDescending) InvertFrom(out, start);
}

void AppendTime(std::string* out, int64_t micros) {
  PutU64(out, OrderedInt64(micros));
}

std::string PrefixSuccessor(std::string_view prefix) {
  std::string s(prefix);
  while (!s.empty()) {
    unsigned char last = static_cast<unsigned char>(s.back());
    if (last != 0xFF) {
      s.back() = static_cast<char>(last + 1);
      return s;
    }
    s.pop_back();
  }
  return s;
}

// ---- Decoding ----

absl::StatusOr<DecodedPrefix> DecodeKeyPrefix(std::string_view* in) {
  unsigned char b[6];
  absl::Status st = Take(in, 6, 0, b, "key prefix");
  if (!st.ok()) return st;
  DecodedPrefix p;
  p.op = (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) |
         (uint32_t{b[2]} << 8) | b[3];
  p.key_group = (b[4] << 8) | b[5];
  if (p.key_group >= kMaxMaxParallelism) {
    return Corrupt(fmt::format("key group {} out of range", p.key_group));
  }
  return p;
}

absl::StatusOr<Value> DecodeValue(std::string_view* in, const LogicalType& type,
                                  SortOrder order) {
  const uint8_t mask = order == SortOrder::kDescending ? 0xFF : 0x00;
  unsigned char b[8];
  absl::Status st = Take(in, 1, mask, b, "value marker");
  if (!st.ok()) return st;
  if (b[0] == kNullMarker) return Value::Null(type);
  if (b[0] != kValueMarker) {
    return Corrupt(fmt::format("bad value marker 0x{:02x}", b[0]));
  }
  auto take8 = [&](std::string_view what) -> absl::StatusOr<uint64_t> {
    absl::Status s = Take(in, 8, mask, b, what);
    if (!s.ok()) return s;
    return GetU64(b);
  };
  switch (type.id()) {
    case TypeId::kNull:
      return Corrupt("a value of type NULL");
    case TypeId::kBoolean: {
      st = Take(in, 1, mask, b, "BOOLEAN");
      if (!st.ok()) return st;
      if (b[0] > 1) return Corrupt(fmt::format("BOOLEAN byte {}", b[0]));
      return Value::Boolean(b[0] == 1);
    }
    case TypeId::kInt:
    case TypeId::kBigint:
    case TypeId::kDate:
    case TypeId::kTime:
    case TypeId::kTimestamp: {
      absl::StatusOr<uint64_t> u = take8(type.ToString());
      if (!u.ok()) return u.status();
      int64_t v = FromOrderedInt64(*u);
      switch (type.id()) {
        case TypeId::kInt:
          if (v < std::numeric_limits<int32_t>::min() ||
              v > std::numeric_limits<int32_t>::max()) {
            return Corrupt(fmt::format("INT value {} out of range", v));
          }
          return Value::Int(static_cast<int32_t>(v));
        case TypeId::kBigint:
          return Value::Bigint(v);
        case TypeId::kDate:
          return Value::Date(v);
        case TypeId::kTime:
          return Value::Time(v);
        default:
          return Value::Timestamp(v, type.precision());
      }
    }
    case TypeId::kDouble: {
      absl::StatusOr<uint64_t> u = take8("DOUBLE");
      if (!u.ok()) return u.status();
      return Value::Double(FromOrderedDouble(*u));
    }
    case TypeId::kDecimal: {
      absl::StatusOr<int128> v = TakeInt128(in, mask, "DECIMAL");
      if (!v.ok()) return v.status();
      if (!types::internal::FitsPrecision(*v, type.precision())) {
        return Corrupt(fmt::format("{} value out of range", type.ToString()));
      }
      return Value::Decimal(*v, type);
    }
    case TypeId::kVarchar:
    case TypeId::kBytes: {
      absl::StatusOr<std::string> s = TakeEscaped(in, mask);
      if (!s.ok()) return s.status();
      return type.id() == TypeId::kVarchar ? Value::Varchar(std::move(*s))
                                           : Value::Bytes(std::move(*s));
    }
    case TypeId::kInterval: {
      absl::StatusOr<int128> total = TakeInt128(in, mask, "INTERVAL");
      if (!total.ok()) return total.status();
      absl::StatusOr<IntervalValue> v = IntervalOfTotal(*total);
      if (!v.ok()) return v.status();
      return Value::Interval(*v);
    }
  }
  return Corrupt("unknown type");
}

absl::StatusOr<int64_t> DecodeTime(std::string_view* in) {
  unsigned char b[8];
  absl::Status st = Take(in, 8, 0, b, "time");
  if (!st.ok()) return st;
  return FromOrderedInt64(GetU64(b));
}

}  // namespace weir::storage

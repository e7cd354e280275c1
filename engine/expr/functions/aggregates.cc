// The aggregate functions, one registration each: COUNT (with COUNT(*) and
// COUNT(DISTINCT x)), SUM, AVG, MIN and MAX, with their type rules, the
// state a group keeps and its operations (aggregates.h). DISTINCT turns any
// of them into a count of distinct values (`distinct value set` state).

#include "engine/expr/aggregates.h"

#include <fmt/format.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engine/base/status.h"
#include "engine/expr/compare.h"
#include "engine/expr/function_registry.h"
#include "engine/types/decimal_util.h"

namespace weir::expr::internal {
namespace {

namespace ti = types::internal;
using types::Column;
using types::IntervalValue;
using types::LogicalType;
using types::PhysicalType;
using types::TypeId;
using types::Value;
using uint128 = ti::uint128;

const LogicalType kBigint = LogicalType::Bigint();
const LogicalType kDouble = LogicalType::Double();

// ---------------------------------------------------------------- bytes

/// Little-endian encoding of states.
class Writer {
 public:
  explicit Writer(char tag) : out_(&own_) { out_->push_back(tag); }
  /// Appends to `*out` instead (SerializeTo: no string of its own).
  Writer(char tag, std::string* out) : out_(out) { out_->push_back(tag); }
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;
  void U64(uint64_t v) {
    char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(v >> (8 * i));
    out_->append(bytes, sizeof bytes);
  }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void I128(int128 v) {
    U64(static_cast<uint64_t>(static_cast<uint128>(v)));
    U64(static_cast<uint64_t>(static_cast<uint128>(v) >> 64));
  }
  void F64(double v) {
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    U64(bits);
  }
  void Bytes(const std::string& s) {
    U64(s.size());
    *out_ += s;
  }
  std::string Take() { return std::move(own_); }

 private:
  std::string own_;
  std::string* out_;
};

class Reader {
 public:
  Reader(std::string_view in, char tag) : in_(in) {
    ok_ = !in_.empty() && in_[0] == tag;
    pos_ = 1;
  }
  bool U64(uint64_t* v) {
    if (!ok_ || in_.size() - pos_ < 8) return ok_ = false;
    *v = 0;
    for (int i = 0; i < 8; ++i) {
      *v |= static_cast<uint64_t>(static_cast<unsigned char>(in_[pos_ + i]))
            << (8 * i);
    }
    pos_ += 8;
    return true;
  }
  bool I64(int64_t* v) {
    uint64_t u;
    if (!U64(&u)) return false;
    *v = static_cast<int64_t>(u);
    return true;
  }
  bool I128(int128* v) {
    uint64_t lo, hi;
    if (!U64(&lo) || !U64(&hi)) return false;
    *v = static_cast<int128>((static_cast<uint128>(hi) << 64) | lo);
    return true;
  }
  bool F64(double* v) {
    uint64_t bits;
    if (!U64(&bits)) return false;
    std::memcpy(v, &bits, sizeof bits);
    return true;
  }
  bool Bytes(std::string* s) {
    uint64_t n;
    if (!U64(&n) || in_.size() - pos_ < n) return ok_ = false;
    s->assign(in_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  /// True when everything read fit and nothing is left over.
  bool Done() const { return ok_ && pos_ == in_.size(); }

 private:
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = false;
};

absl::Status Corrupt(const std::string& what) {
  return absl::DataLossError(fmt::format("corrupt {} state", what));
}

absl::Status RetractedTooMuch(const std::string& what) {
  return absl::FailedPreconditionError(
      fmt::format("{}: retracted a row that was not added", what));
}

// ---------------------------------------------------------------- values

// A string column's values by row as std::strings, from either form of
// the column (a packed one makes each value's string when it is read).
struct StringCells {
  const Column& column;
  const std::string* objects;
  std::string operator[](size_t row) const {
    return objects != nullptr ? objects[row]
                              : std::string(column.StringAt(row));
  }
};

// Element types of a column by physical type, with their Value forms.
template <typename T>
auto ColumnData(const Column& c) {
  if constexpr (std::is_same_v<T, int64_t>) {
    return c.ints();
  } else if constexpr (std::is_same_v<T, double>) {
    return c.doubles();
  } else if constexpr (std::is_same_v<T, int128>) {
    return c.decimals();
  } else if constexpr (std::is_same_v<T, std::string>) {
    return StringCells{c, c.string_objects()};
  } else {
    return c.intervals();
  }
}

Value ToValue(int64_t v, const LogicalType& t) {
  switch (t.id()) {
    case TypeId::kBoolean:
      return Value::Boolean(v != 0);
    case TypeId::kInt:
      return Value::Int(static_cast<int32_t>(v));
    case TypeId::kDate:
      return Value::Date(v);
    case TypeId::kTime:
      return Value::Time(v);
    case TypeId::kTimestamp:
      return Value::Timestamp(v, t.precision());
    default:
      return Value::Bigint(v);
  }
}
Value ToValue(double v, const LogicalType&) { return Value::Double(v); }
Value ToValue(int128 v, const LogicalType& t) { return Value::Decimal(v, t); }
Value ToValue(const std::string& v, const LogicalType& t) {
  return t.id() == TypeId::kBytes ? Value::Bytes(v) : Value::Varchar(v);
}
Value ToValue(const IntervalValue& v, const LogicalType&) {
  return Value::Interval(v);
}

void Put(Writer& w, int64_t v) { w.I64(v); }
void Put(Writer& w, double v) { w.F64(v); }
void Put(Writer& w, int128 v) { w.I128(v); }
void Put(Writer& w, const std::string& v) { w.Bytes(v); }
void Put(Writer& w, const IntervalValue& v) {
  w.I64(v.months);
  w.I64(v.micros);
}
bool Get(Reader& r, int64_t* v) { return r.I64(v); }
bool Get(Reader& r, double* v) { return r.F64(v); }
bool Get(Reader& r, int128* v) { return r.I128(v); }
bool Get(Reader& r, std::string* v) { return r.Bytes(v); }
bool Get(Reader& r, IntervalValue* v) {
  int64_t months;
  if (!r.I64(&months) || !r.I64(&v->micros)) return false;
  v->months = static_cast<int32_t>(months);
  return months >= INT32_MIN && months <= INT32_MAX;
}

/// SQL's order of stored values (compare.h). With `exact`, values that
/// compare equal but are stored differently (-0.0 and 0.0, 1 month and 30
/// days) stay apart, so a multiset gives back exactly what was added.
template <typename T, bool kExact>
struct Less {
  bool operator()(const T& a, const T& b) const {
    int c;
    if constexpr (std::is_same_v<T, double>) {
      c = CompareDoubles(a, b);
      if (c == 0 && kExact) c = Compare3(std::signbit(b), std::signbit(a));
    } else if constexpr (std::is_same_v<T, std::string>) {
      c = CompareStrings(a, b);
    } else if constexpr (std::is_same_v<T, IntervalValue>) {
      c = CompareIntervals(a, b);
      if (c == 0 && kExact) c = Compare3(a.months, b.months);
    } else {
      c = Compare3(a, b);
    }
    return c < 0;
  }
};

// ---------------------------------------------------------------- sums

/// A signed 256-bit integer: the exact sum of up to 2^63 values of up to
/// 128 bits. Four 64-bit limbs, little-endian, two's complement.
struct Wide {
  uint64_t limb[4] = {0, 0, 0, 0};

  static Wide Of(int128 v) {
    Wide w;
    uint128 u = static_cast<uint128>(v);
    w.limb[0] = static_cast<uint64_t>(u);
    w.limb[1] = static_cast<uint64_t>(u >> 64);
    w.limb[2] = w.limb[3] = v < 0 ? ~uint64_t{0} : 0;
    return w;
  }
  void Add(const Wide& o) {
    uint64_t carry = 0;
    for (int i = 0; i < 4; ++i) {
      uint128 s = static_cast<uint128>(limb[i]) + o.limb[i] + carry;
      limb[i] = static_cast<uint64_t>(s);
      carry = static_cast<uint64_t>(s >> 64);
    }
  }
  Wide Negated() const {
    Wide w;
    for (int i = 0; i < 4; ++i) w.limb[i] = ~limb[i];
    w.Add(Of(1));
    return w;
  }
  bool Negative() const { return (limb[3] >> 63) != 0; }
  /// The value, when it fits 128 bits.
  std::optional<int128> ToInt128() const {
    uint64_t ext = (limb[1] >> 63) != 0 ? ~uint64_t{0} : 0;
    if (limb[2] != ext || limb[3] != ext) return std::nullopt;
    return static_cast<int128>((static_cast<uint128>(limb[1]) << 64) | limb[0]);
  }
  /// |this| * 10^k / d, rounded half away from zero, with the sign of this;
  /// nullopt when it does not fit 128 bits. k <= 19, d > 0.
  std::optional<int128> ScaledQuotient(int k, uint64_t d) const {
    Wide m = Negative() ? Negated() : *this;
    uint64_t p = 1;
    for (int i = 0; i < k; ++i) p *= 10;
    uint64_t carry = 0;
    for (int i = 0; i < 4; ++i) {  // m *= p
      uint128 v = static_cast<uint128>(m.limb[i]) * p + carry;
      m.limb[i] = static_cast<uint64_t>(v);
      carry = static_cast<uint64_t>(v >> 64);
    }
    if (carry != 0) return std::nullopt;
    uint64_t rem = 0;
    for (int i = 3; i >= 0; --i) {  // m /= d
      uint128 v = (static_cast<uint128>(rem) << 64) | m.limb[i];
      m.limb[i] = static_cast<uint64_t>(v / d);
      rem = static_cast<uint64_t>(v % d);
    }
    if (rem >= d - rem) m.Add(Of(1));
    std::optional<int128> q = m.ToInt128();
    if (!q || *q < 0) return std::nullopt;
    return Negative() ? -*q : *q;
  }
};

void Put(Writer& w, const Wide& v) {
  for (uint64_t l : v.limb) w.U64(l);
}
bool Get(Reader& r, Wide* v) {
  for (uint64_t& l : v->limb) {
    if (!r.U64(&l)) return false;
  }
  return true;
}

absl::Status DecimalOverflow(const LogicalType& t) {
  return absl::OutOfRangeError(
      fmt::format("DECIMAL overflow: value does not fit {}", t.ToString()));
}

/// An exact sum (integers at scale 0, DECIMAL at its scale) as `result`:
/// BIGINT, or DECIMAL(38, s) at the sum's own scale.
absl::StatusOr<Value> ExactSum(const Wide& sum, const LogicalType& result,
                               const std::string& what) {
  std::optional<int128> v = sum.ToInt128();
  if (result.id() == TypeId::kBigint) {
    if (!v || *v < INT64_MIN || *v > INT64_MAX) {
      return absl::OutOfRangeError("integer overflow in " + what);
    }
    return Value::Bigint(static_cast<int64_t>(*v));
  }
  if (!v || !ti::FitsPrecision(*v, result.precision())) {
    return DecimalOverflow(result);
  }
  return Value::Decimal(*v, result);
}

/// The exact average sum / count (values at `scale`) as `result`:
/// DECIMAL(38, s >= scale), rounded half away from zero.
absl::StatusOr<Value> ExactAverage(const Wide& sum, int64_t count, int scale,
                                   const LogicalType& result) {
  std::optional<int128> q =
      sum.ScaledQuotient(result.scale() - scale, static_cast<uint64_t>(count));
  if (!q || !ti::FitsPrecision(*q, result.precision())) {
    return DecimalOverflow(result);
  }
  return Value::Decimal(*q, result);
}

/// A DOUBLE sum with its NaNs and infinities counted apart, so that
/// retracting one restores the sum of the others.
struct DoubleSum {
  double finite = 0;
  int64_t nan = 0, pos_inf = 0, neg_inf = 0;

  void Add(double v, int64_t sign) {
    if (std::isnan(v)) {
      nan += sign;
    } else if (std::isinf(v)) {
      (v > 0 ? pos_inf : neg_inf) += sign;
    } else {
      finite += sign * v;
    }
  }
  void Merge(const DoubleSum& o) {
    finite += o.finite;
    nan += o.nan;
    pos_inf += o.pos_inf;
    neg_inf += o.neg_inf;
  }
  double Total() const {
    if (nan > 0 || (pos_inf > 0 && neg_inf > 0)) return std::nan("");
    if (pos_inf > 0) return HUGE_VAL;
    if (neg_inf > 0) return -HUGE_VAL;
    return finite;
  }
};

// ---------------------------------------------------------------- kernels

/// The parts every kernel shares: the state type, its casts, NewState.
template <typename State>
class KernelBase : public AggregateKernel {
 public:
  explicit KernelBase(ResolvedAggregate call)
      : AggregateKernel(std::move(call)) {}

  std::unique_ptr<AggregateState> NewState() const override {
    return std::make_unique<State>();
  }

 protected:
  static State& Of(AggregateState* s) { return static_cast<State&>(*s); }
  static const State& Of(const AggregateState& s) {
    return static_cast<const State&>(s);
  }
  /// Deserialize's ending: the state read, or DataLoss.
  absl::StatusOr<std::unique_ptr<AggregateState>> Parsed(
      std::unique_ptr<State> state, const Reader& r) const {
    if (!r.Done()) return Corrupt(call().function);
    return std::unique_ptr<AggregateState>(std::move(state));
  }
  /// DeserializeInto's target: *state (one this kernel made) reset to a
  /// fresh state, or a new one when it is null.
  static State& Reused(std::unique_ptr<AggregateState>* state) {
    if (*state == nullptr) {
      *state = std::make_unique<State>();
    } else {
      Of(state->get()) = State();
    }
    return Of(state->get());
  }
};

/// Calls f(row index i, physical row) for the rows of `rows` whose value
/// is not NULL (every row when `input` is null: COUNT(*)).
template <typename F>
absl::Status ForValues(const Column* input, std::span<const uint32_t> rows,
                       F&& f) {
  if (input != nullptr && input->physical() == PhysicalType::kNull) {
    return absl::OkStatus();  // the NULL type: every value is NULL
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (input != nullptr && input->IsNull(rows[i])) continue;
    if (absl::Status s = f(i, rows[i]); !s.ok()) return s;
  }
  return absl::OkStatus();
}

struct CountState : AggregateState {
  int64_t count = 0;
};

/// COUNT(*) (no argument) and COUNT(x).
class CountKernel final : public KernelBase<CountState> {
 public:
  using KernelBase::KernelBase;

  absl::Status Update(const Column* input, std::span<const uint32_t> rows,
                      std::span<AggregateState* const> states,
                      bool retract) const override {
    const int64_t sign = retract ? -1 : 1;
    return ForValues(input, rows, [&](size_t i, uint32_t) {
      int64_t& n = Of(states[i]).count;
      if (retract && n == 0) return RetractedTooMuch("COUNT");
      n += sign;
      return absl::OkStatus();
    });
  }
  void Merge(AggregateState* into, const AggregateState& from) const override {
    Of(into).count += Of(from).count;
  }
  absl::StatusOr<Value> Result(const AggregateState& s) const override {
    return Value::Bigint(Of(s).count);
  }
  std::string Serialize(const AggregateState& s) const override {
    std::string out;
    SerializeTo(s, &out);
    return out;
  }
  void SerializeTo(const AggregateState& s, std::string* out) const override {
    Writer w('C', out);
    w.I64(Of(s).count);
  }
  absl::StatusOr<std::unique_ptr<AggregateState>> Deserialize(
      std::string_view bytes) const override {
    std::unique_ptr<AggregateState> state;
    WEIR_RETURN_IF_ERROR(DeserializeInto(bytes, &state));
    return state;
  }
  absl::Status DeserializeInto(
      std::string_view bytes,
      std::unique_ptr<AggregateState>* state) const override {
    CountState& s = Reused(state);
    Reader r(bytes, 'C');
    r.I64(&s.count);
    return r.Done() ? absl::OkStatus() : Corrupt(call().function);
  }
};

struct ExactSumState : AggregateState {
  Wide sum;
  int64_t count = 0;
};

/// SUM and AVG of INT, BIGINT (both BIGINT here) and DECIMAL, exactly.
template <typename T>
class ExactSumKernel final : public KernelBase<ExactSumState> {
 public:
  ExactSumKernel(ResolvedAggregate call, bool average, int scale)
      : KernelBase(std::move(call)), average_(average), scale_(scale) {}

  absl::Status Update(const Column* input, std::span<const uint32_t> rows,
                      std::span<AggregateState* const> states,
                      bool retract) const override {
    const auto data = ColumnData<T>(*input);
    return ForValues(input, rows, [&](size_t i, uint32_t r) {
      ExactSumState& s = Of(states[i]);
      if (retract && s.count == 0) return RetractedTooMuch(call().function);
      Wide v = Wide::Of(static_cast<int128>(data[r]));
      s.sum.Add(retract ? v.Negated() : v);
      s.count += retract ? -1 : 1;
      return absl::OkStatus();
    });
  }
  void Merge(AggregateState* into, const AggregateState& from) const override {
    Of(into).sum.Add(Of(from).sum);
    Of(into).count += Of(from).count;
  }
  absl::StatusOr<Value> Result(const AggregateState& st) const override {
    const ExactSumState& s = Of(st);
    if (s.count == 0) return Value::Null(call().result);
    if (average_) return ExactAverage(s.sum, s.count, scale_, call().result);
    return ExactSum(s.sum, call().result, call().function);
  }
  std::string Serialize(const AggregateState& st) const override {
    std::string out;
    SerializeTo(st, &out);
    return out;
  }
  void SerializeTo(const AggregateState& st, std::string* out) const override {
    Writer w('S', out);
    Put(w, Of(st).sum);
    w.I64(Of(st).count);
  }
  absl::StatusOr<std::unique_ptr<AggregateState>> Deserialize(
      std::string_view bytes) const override {
    std::unique_ptr<AggregateState> state;
    WEIR_RETURN_IF_ERROR(DeserializeInto(bytes, &state));
    return state;
  }
  absl::Status DeserializeInto(
      std::string_view bytes,
      std::unique_ptr<AggregateState>* state) const override {
    ExactSumState& s = Reused(state);
    Reader r(bytes, 'S');
    Get(r, &s.sum);
    r.I64(&s.count);
    return r.Done() ? absl::OkStatus() : Corrupt(call().function);
  }

 private:
  bool average_;
  int scale_;  // of the values added
};

struct DoubleSumState : AggregateState {
  DoubleSum sum;
  int64_t count = 0;
};

/// SUM (or with `average`, AVG) of `count` DOUBLE values: a finite sum that
/// overflows is an error, as for DOUBLE + DOUBLE; with a NaN or an infinity
/// among the values the result is NaN or that infinity.
absl::StatusOr<Value> DoubleResult(const DoubleSum& sum, int64_t count,
                                   bool average, const std::string& what) {
  double total = sum.Total();
  if (sum.nan == 0 && sum.pos_inf == 0 && sum.neg_inf == 0 &&
      std::isinf(total)) {
    return absl::OutOfRangeError("value out of range: overflow in " + what);
  }
  return Value::Double(average ? total / static_cast<double>(count) : total);
}

/// SUM and AVG of DOUBLE.
class DoubleSumKernel final : public KernelBase<DoubleSumState> {
 public:
  DoubleSumKernel(ResolvedAggregate call, bool average)
      : KernelBase(std::move(call)), average_(average) {}

  absl::Status Update(const Column* input, std::span<const uint32_t> rows,
                      std::span<AggregateState* const> states,
                      bool retract) const override {
    const double* data = input->doubles();
    return ForValues(input, rows, [&](size_t i, uint32_t r) {
      DoubleSumState& s = Of(states[i]);
      if (retract && s.count == 0) return RetractedTooMuch(call().function);
      s.sum.Add(data[r], retract ? -1 : 1);
      s.count += retract ? -1 : 1;
      return absl::OkStatus();
    });
  }
  void Merge(AggregateState* into, const AggregateState& from) const override {
    Of(into).sum.Merge(Of(from).sum);
    Of(into).count += Of(from).count;
  }
  absl::StatusOr<Value> Result(const AggregateState& st) const override {
    const DoubleSumState& s = Of(st);
    if (s.count == 0) return Value::Null(kDouble);
    return DoubleResult(s.sum, s.count, average_, call().function);
  }
  std::string Serialize(const AggregateState& st) const override {
    std::string out;
    SerializeTo(st, &out);
    return out;
  }
  void SerializeTo(const AggregateState& st, std::string* out) const override {
    const DoubleSumState& s = Of(st);
    Writer w('D', out);
    w.F64(s.sum.finite);
    w.I64(s.sum.nan);
    w.I64(s.sum.pos_inf);
    w.I64(s.sum.neg_inf);
    w.I64(s.count);
  }
  absl::StatusOr<std::unique_ptr<AggregateState>> Deserialize(
      std::string_view bytes) const override {
    std::unique_ptr<AggregateState> state;
    WEIR_RETURN_IF_ERROR(DeserializeInto(bytes, &state));
    return state;
  }
  absl::Status DeserializeInto(
      std::string_view bytes,
      std::unique_ptr<AggregateState>* state) const override {
    DoubleSumState& s = Reused(state);
    Reader r(bytes, 'D');
    r.F64(&s.sum.finite);
    r.I64(&s.sum.nan);
    r.I64(&s.sum.pos_inf);
    r.I64(&s.sum.neg_inf);
    r.I64(&s.count);
    return r.Done() ? absl::OkStatus() : Corrupt(call().function);
  }

 private:
  bool average_;
};

/// Values with their multiplicities, in SQL order.
template <typename T, bool kExact>
struct MultisetState : AggregateState {
  std::map<T, int64_t, Less<T, kExact>> values;
};

/// The multiset kernels' shared operations: add and retract values, merge,
/// serialize. `Result` is the aggregate's own.
template <typename T, bool kExact>
class MultisetKernel : public KernelBase<MultisetState<T, kExact>> {
  using State = MultisetState<T, kExact>;
  using Base = KernelBase<State>;

 public:
  using Base::Base;

  absl::Status Update(const Column* input, std::span<const uint32_t> rows,
                      std::span<AggregateState* const> states,
                      bool retract) const override {
    const auto data = ColumnData<T>(*input);
    return ForValues(input, rows, [&](size_t i, uint32_t r) {
      auto& values = Base::Of(states[i]).values;
      if (!retract) {
        ++values[data[r]];
        return absl::OkStatus();
      }
      auto it = values.find(data[r]);
      if (it == values.end()) {
        return RetractedTooMuch(this->call().function);
      }
      if (--it->second == 0) values.erase(it);
      return absl::OkStatus();
    });
  }
  void Merge(AggregateState* into, const AggregateState& from) const override {
    auto& values = Base::Of(into).values;
    for (const auto& [v, n] : Base::Of(from).values) values[v] += n;
  }
  std::string Serialize(const AggregateState& st) const override {
    Writer w('M');
    const auto& values = Base::Of(st).values;
    w.U64(values.size());
    for (const auto& [v, n] : values) {
      Put(w, v);
      w.I64(n);
    }
    return w.Take();
  }
  absl::StatusOr<std::unique_ptr<AggregateState>> Deserialize(
      std::string_view bytes) const override {
    auto state = std::make_unique<State>();
    Reader r(bytes, 'M');
    uint64_t size = 0;
    if (r.U64(&size)) {
      for (uint64_t i = 0; i < size; ++i) {
        T v{};
        int64_t n = 0;
        if (!Get(r, &v) || !r.I64(&n) || n <= 0) {
          return Corrupt(this->call().function);
        }
        state->values[v] += n;
      }
    }
    return Base::Parsed(std::move(state), r);
  }
};

/// MIN and MAX: the smallest or largest value of the multiset.
template <typename T>
class ExtremeKernel final : public MultisetKernel<T, true> {
 public:
  ExtremeKernel(ResolvedAggregate call, bool max)
      : MultisetKernel<T, true>(std::move(call)), max_(max) {}

  absl::StatusOr<Value> Result(const AggregateState& st) const override {
    const auto& values = this->Of(st).values;
    if (values.empty()) return Value::Null(this->call().result);
    const T& v = max_ ? values.rbegin()->first : values.begin()->first;
    return ToValue(v, this->call().result);
  }

 private:
  bool max_;
};

/// MIN and MAX over input that never retracts (an append-only stream):
/// the current extreme alone, so a group's state stays one value however
/// many rows it sees. A retraction is an error (the planner picks
/// ExtremeKernel for input that may retract).
template <typename T>
struct CurrentExtremeState : AggregateState {
  bool has = false;
  T value{};
};

template <typename T>
class CurrentExtremeKernel final : public KernelBase<CurrentExtremeState<T>> {
  using State = CurrentExtremeState<T>;
  using Base = KernelBase<State>;

 public:
  CurrentExtremeKernel(ResolvedAggregate call, bool max)
      : Base(std::move(call)), max_(max) {}

  absl::Status Update(const Column* input, std::span<const uint32_t> rows,
                      std::span<AggregateState* const> states,
                      bool retract) const override {
    if (retract) {
      return absl::FailedPreconditionError(fmt::format(
          "{} over an append-only input got a retraction",
          this->call().function));
    }
    const auto data = ColumnData<T>(*input);
    return ForValues(input, rows, [&](size_t i, uint32_t r) {
      Offer(&Base::Of(states[i]), data[r]);
      return absl::OkStatus();
    });
  }
  void Merge(AggregateState* into, const AggregateState& from) const override {
    const State& f = Base::Of(from);
    if (f.has) Offer(&Base::Of(into), f.value);
  }
  absl::StatusOr<Value> Result(const AggregateState& st) const override {
    const State& s = Base::Of(st);
    if (!s.has) return Value::Null(this->call().result);
    return ToValue(s.value, this->call().result);
  }
  std::string Serialize(const AggregateState& st) const override {
    std::string out;
    SerializeTo(st, &out);
    return out;
  }
  void SerializeTo(const AggregateState& st, std::string* out) const override {
    Writer w('E', out);
    const State& s = Base::Of(st);
    w.U64(s.has ? 1 : 0);
    if (s.has) Put(w, s.value);
  }
  absl::StatusOr<std::unique_ptr<AggregateState>> Deserialize(
      std::string_view bytes) const override {
    std::unique_ptr<AggregateState> state;
    WEIR_RETURN_IF_ERROR(DeserializeInto(bytes, &state));
    return state;
  }
  absl::Status DeserializeInto(
      std::string_view bytes,
      std::unique_ptr<AggregateState>* state) const override {
    State& s = Base::Reused(state);
    Reader r(bytes, 'E');
    uint64_t has = 0;
    if (!r.U64(&has) || has > 1 || (has == 1 && !Get(r, &s.value)) ||
        !r.Done()) {
      return Corrupt(this->call().function);
    }
    s.has = has == 1;
    return absl::OkStatus();
  }

 private:
  void Offer(State* s, const T& v) const {
    const Less<T, true> less;
    if (!s->has || (max_ ? less(s->value, v) : less(v, s->value))) {
      s->value = v;
      s->has = true;
    }
  }

  bool max_;
};

/// COUNT, SUM and AVG of the distinct values (equal as SQL compares them).
template <typename T>
class DistinctKernel final : public MultisetKernel<T, false> {
 public:
  DistinctKernel(ResolvedAggregate call, int scale)
      : MultisetKernel<T, false>(std::move(call)), scale_(scale) {}

  absl::StatusOr<Value> Result(const AggregateState& st) const override {
    const auto& values = this->Of(st).values;
    const ResolvedAggregate& c = this->call();
    const int64_t count = static_cast<int64_t>(values.size());
    if (c.function == "COUNT_DISTINCT") return Value::Bigint(count);
    if (count == 0) return Value::Null(c.result);
    const bool average = c.function == "AVG_DISTINCT";
    if constexpr (std::is_same_v<T, double>) {
      DoubleSum sum;
      for (const auto& [v, n] : values) sum.Add(v, 1);
      return DoubleResult(sum, count, average, c.function);
    } else if constexpr (std::is_same_v<T, int64_t> ||
                         std::is_same_v<T, int128>) {
      Wide sum;
      for (const auto& [v, n] : values) {
        sum.Add(Wide::Of(static_cast<int128>(v)));
      }
      if (average) return ExactAverage(sum, count, scale_, c.result);
      return ExactSum(sum, c.result, c.function);
    } else {
      return absl::InvalidArgumentError(c.function + " needs numbers");
    }
  }

 private:
  int scale_;  // of the values added
};

// ---------------------------------------------------------------- factory

/// make(T{}) with the element type of a column of type `t`.
template <typename F>
auto WithElementType(const LogicalType& t, F&& make)
    -> decltype(make(int64_t{})) {
  switch (types::PhysicalTypeOf(t)) {
    case PhysicalType::kDouble:
      return make(double{});
    case PhysicalType::kInt128:
      return make(int128{});
    case PhysicalType::kString:
      return make(std::string{});
    case PhysicalType::kInterval:
      return make(IntervalValue{});
    default:
      return make(int64_t{});
  }
}

using KernelPtr = std::unique_ptr<AggregateKernel>;

absl::StatusOr<KernelPtr> MakeKernel(const ResolvedAggregate& c,
                                     bool input_retracts) {
  const std::string& f = c.function;
  if (f == "COUNT" && c.arg_types.empty()) {
    return KernelPtr(std::make_unique<CountKernel>(c));
  }
  if (c.arg_types.size() != 1) {
    return absl::InvalidArgumentError(
        fmt::format("aggregate {} takes one argument", f));
  }
  const LogicalType& arg = c.arg_types[0];
  const int scale = arg.id() == TypeId::kDecimal ? arg.scale() : 0;
  if (f == "COUNT") return KernelPtr(std::make_unique<CountKernel>(c));
  if (f == "MIN" || f == "MAX") {
    return WithElementType(arg, [&](auto tag) -> KernelPtr {
      using T = decltype(tag);
      if (!input_retracts)
        return std::make_unique<CurrentExtremeKernel<T>>(c, f == "MAX");
      return std::make_unique<ExtremeKernel<T>>(c, f == "MAX");
    });
  }
  if (f == "COUNT_DISTINCT" || f == "SUM_DISTINCT" || f == "AVG_DISTINCT") {
    return WithElementType(arg, [&](auto tag) -> KernelPtr {
      using T = decltype(tag);
      return std::make_unique<DistinctKernel<T>>(c, scale);
    });
  }
  if (f == "SUM" || f == "AVG") {
    const bool average = f == "AVG";
    switch (types::PhysicalTypeOf(arg)) {
      case PhysicalType::kDouble:
        return KernelPtr(std::make_unique<DoubleSumKernel>(c, average));
      case PhysicalType::kInt64:
        return KernelPtr(
            std::make_unique<ExactSumKernel<int64_t>>(c, average, 0));
      case PhysicalType::kInt128:
        return KernelPtr(
            std::make_unique<ExactSumKernel<int128>>(c, average, scale));
      default:
        break;
    }
  }
  return absl::InvalidArgumentError(
      fmt::format("no aggregate kernel for {}({})", f, arg.ToString()));
}

// ---------------------------------------------------------------- type rules

bool IsComparableType(const LogicalType& t) {
  return t.IsNumeric() || t.IsString() || t.IsTemporal() || t.IsNull() ||
         t.id() == TypeId::kBoolean || t.id() == TypeId::kInterval ||
         t.id() == TypeId::kBytes;
}

/// DISTINCT: the same result type, a distinct value set.
ResolvedAggregate Distinct(ResolvedAggregate r) {
  r.function += "_DISTINCT";
  r.retractable_cheaply = false;
  r.state = "distinct value set";
  return r;
}

std::optional<ResolvedAggregate> ResolveCount(const Types& args, bool distinct,
                                              bool star) {
  ResolvedAggregate r;
  r.function = "COUNT";
  r.result = kBigint;
  r.state = "count";
  if (star) {
    if (distinct || !args.empty()) return std::nullopt;
    return r;
  }
  if (args.size() != 1) return std::nullopt;
  r.arg_types = args;
  return distinct ? Distinct(r) : r;
}

/// SUM (`sum`) and AVG.
std::optional<ResolvedAggregate> ResolveSumAvg(bool sum, const Types& args,
                                               bool distinct, bool star) {
  if (star || args.size() != 1 || !NumOrNull(args[0])) return std::nullopt;
  ResolvedAggregate r;
  r.function = sum ? "SUM" : "AVG";
  r.state = "sum+count";
  LogicalType t = args[0].IsNull() ? kBigint : args[0];
  switch (t.id()) {
    case TypeId::kInt:
    case TypeId::kBigint:
      r.arg_types = {kBigint};
      r.result = sum ? kBigint : LogicalType::DecimalOrDie(38, 6);
      break;
    case TypeId::kDecimal:
      r.arg_types = {t};
      r.result = LogicalType::DecimalOrDie(
          38, sum ? t.scale() : std::max(t.scale(), 6));
      break;
    default:
      r.arg_types = {kDouble};
      r.result = kDouble;
      break;
  }
  return distinct ? Distinct(r) : r;
}

/// MIN (`max` false) and MAX; DISTINCT changes nothing.
std::optional<ResolvedAggregate> ResolveExtreme(bool max, const Types& args,
                                                bool, bool star) {
  if (star || args.size() != 1 || !IsComparableType(args[0])) {
    return std::nullopt;
  }
  ResolvedAggregate r;
  r.function = max ? "MAX" : "MIN";
  r.result = args[0];
  r.arg_types = args;
  r.retractable_cheaply = false;
  r.state = "value multiset";
  return r;
}

}  // namespace

const std::vector<AggregateFunction>& AggregateFunctions() {
  static const std::vector<AggregateFunction> functions = [] {
    std::vector<AggregateFunction> f;
    f.push_back({.name = "COUNT",
                 .signature = "COUNT(*) | COUNT([DISTINCT] x) -> BIGINT",
                 .description = "Number of rows, or of non-NULL (distinct) "
                                "values of x.",
                 .expected = "(*) or (any)",
                 .resolve = ResolveCount});
    f.push_back({.name = "SUM",
                 .signature = "SUM([DISTINCT] x numeric)",
                 .description = "Sum: BIGINT for integers, DECIMAL(38, s) for "
                                "DECIMAL(p, s), DOUBLE for DOUBLE; NULL when "
                                "there are no non-NULL values.",
                 .expected = "(numeric)",
                 .resolve = [](const Types& a, bool d, bool s) {
                   return ResolveSumAvg(true, a, d, s);
                 }});
    f.push_back({.name = "AVG",
                 .signature = "AVG([DISTINCT] x numeric)",
                 .description = "Average: DECIMAL(38, 6) for integers, "
                                "DECIMAL(38, max(s, 6)) for DECIMAL(p, s), "
                                "DOUBLE for DOUBLE.",
                 .expected = "(numeric)",
                 .resolve = [](const Types& a, bool d, bool s) {
                   return ResolveSumAvg(false, a, d, s);
                 }});
    f.push_back({.name = "MIN",
                 .signature = "MIN(x) -> same type",
                 .description = "Smallest non-NULL value.",
                 .expected = "(any comparable type)",
                 .resolve = [](const Types& a, bool d, bool s) {
                   return ResolveExtreme(false, a, d, s);
                 }});
    f.push_back({.name = "MAX",
                 .signature = "MAX(x) -> same type",
                 .description = "Largest non-NULL value.",
                 .expected = "(any comparable type)",
                 .resolve = [](const Types& a, bool d, bool s) {
                   return ResolveExtreme(true, a, d, s);
                 }});
    return f;
  }();
  return functions;
}

}  // namespace weir::expr::internal

namespace weir::expr {

absl::StatusOr<std::unique_ptr<AggregateKernel>> MakeAggregateKernel(
    const ResolvedAggregate& call, bool input_retracts) {
  return internal::MakeKernel(call, input_retracts);
}

}  // namespace weir::expr

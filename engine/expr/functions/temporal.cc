// Date and time functions: EXTRACT, DATE_FORMAT, TO_TIMESTAMP, TO_DATE,
// UNIX_TIMESTAMP, FROM_UNIXTIME, DATE_TRUNC, and the clock functions
// CURRENT_TIMESTAMP, NOW and CURRENT_DATE (processing time, UTC, read once
// per batch; never constants). Values are as stored: days for DATE, micros
// otherwise. TO_TIMESTAMP / TO_DATE are NULL for text that does not match
// (a bad record must not stop a streaming query; CAST is the strict form).
// The row rules are the temporal helpers of function_helpers.h.

#include <string>
#include <string_view>

#include "engine/expr/function_helpers.h"
#include "engine/expr/function_registry.h"
#include "engine/types/temporal_util.h"

namespace weir::expr::internal {
namespace {

namespace ti = types::internal;
using types::LogicalType;
using types::TypeId;
using types::Value;
using Str = std::string;

const LogicalType kV = LogicalType::Varchar();
const LogicalType kBigint = LogicalType::Bigint();
const LogicalType kDate = LogicalType::Date();

LogicalType Ts(int p) { return LogicalType::TimestampOrDie(p); }

/// A DATE or TIMESTAMP argument (or TIME when `allow_time`).
bool IsTemporal(const KernelBinding& b, size_t i, bool allow_time) {
  TypeId id = b.arg_id(i);
  return id == TypeId::kDate || id == TypeId::kTimestamp ||
         (allow_time && id == TypeId::kTime);
}

absl::StatusOr<Kernel> Extract(const KernelBinding& b) {
  if (b.arity() != 2 || !b.Is(0, types::PhysicalType::kString) ||
      !IsTemporal(b, 1, true) || b.result().id() != TypeId::kBigint) {
    return b.NoKernel();
  }
  const TypeId t = b.arg_id(1);
  return BinaryKernel<Str, int64_t, int64_t>(
      [t](int64_t& o, const Str& field, int64_t v) {
        return StoreOr(o, ExtractFromTemporal(field, t, v));
      });
}

absl::StatusOr<Kernel> DateTrunc(const KernelBinding& b) {
  if (b.arity() != 2 || !b.Is(0, types::PhysicalType::kString) ||
      !IsTemporal(b, 1, false) || b.result().id() != TypeId::kTimestamp ||
      b.result().precision() != TsPrecision(b.arg(1))) {
    return b.NoKernel();
  }
  const TypeId t = b.arg_id(1);
  return BinaryKernel<Str, int64_t, int64_t>(
      [t](int64_t& o, const Str& unit, int64_t v) {
        return StoreOr(o, TruncateTimestamp(unit, TemporalMicros(t, v)));
      });
}

absl::StatusOr<Kernel> DateFormatKernel(const KernelBinding& b) {
  if (b.arity() != 2 || !IsTemporal(b, 0, false) ||
      !b.Is(1, types::PhysicalType::kString) || !b.result().IsString()) {
    return b.NoKernel();
  }
  const TypeId t = b.arg_id(0);
  return BinaryKernel<int64_t, Str, Str>(
      [t](Str& o, int64_t v, const Str& format) {
        o = DateFormat(TemporalMicros(t, v), format);
      });
}

absl::StatusOr<Kernel> UnixTimestamp(const KernelBinding& b) {
  if (b.arity() != 1 || !IsTemporal(b, 0, false) ||
      b.result().id() != TypeId::kBigint) {
    return b.NoKernel();
  }
  const TypeId t = b.arg_id(0);
  return UnaryKernel<int64_t, int64_t>(
      [t](int64_t& o, int64_t v) { o = UnixSeconds(TemporalMicros(t, v)); });
}

absl::StatusOr<Kernel> FromUnixtime(const KernelBinding& b) {
  if (!b.ArgsAre("I") || b.result().id() != TypeId::kTimestamp ||
      b.result().precision() != 0) {
    return b.NoKernel();
  }
  return UnaryKernel<int64_t, int64_t>(
      [](int64_t& o, int64_t s) { return StoreOr(o, FromUnixSeconds(s)); });
}

/// TO_TIMESTAMP (`to_date` false) and TO_DATE: NULL when the text (or the
/// format) does not match.
KernelFactory Parse(bool to_date) {
  return [to_date](const KernelBinding& b) -> absl::StatusOr<Kernel> {
    const TypeId want = to_date ? TypeId::kDate : TypeId::kTimestamp;
    if (!(b.ArgsAre("S") || b.ArgsAre("SS")) || b.result().id() != want) {
      return b.NoKernel();
    }
    const int precision = to_date ? 0 : b.result().precision();
    auto parse = [to_date, precision](int64_t& o, const Str& text,
                                      const std::string_view* format) {
      std::optional<int64_t> v =
          to_date ? ToDateDays(text, format)
                  : ToTimestampMicros(text, format, precision);
      if (!v) return false;
      o = *v;
      return true;
    };
    if (b.arity() == 1) {
      return UnaryKernel<Str, int64_t>([parse](int64_t& o, const Str& text) {
        return parse(o, text, nullptr);
      });
    }
    return BinaryKernel<Str, Str, int64_t>(
        [parse](int64_t& o, const Str& text, const Str& format) {
          std::string_view f = format;
          return parse(o, text, &f);
        });
  };
}

/// The time the evaluation began, the same for every row: a DATE for a DATE
/// result, else the TIMESTAMP(3) in the result's type.
absl::StatusOr<Kernel> Clock(const KernelBinding& b) {
  if (b.arity() != 0 || (b.result().id() != TypeId::kDate &&
                         b.result().id() != TypeId::kTimestamp)) {
    return b.NoKernel();
  }
  return Kernel([](KernelIO& io) {
    const int64_t m = io.ctx.now_micros;
    const LogicalType type = io.result_type();
    Value v = type.id() == TypeId::kDate
                  ? Value::Date(ti::FloorDiv(m, ti::kMicrosPerDay))
                  : Value::Timestamp(m - ti::FloorMod(m, 1000), 3);
    if (!(v.type() == type)) {
      absl::StatusOr<Value> cast = types::CastValue(v, type);
      if (!cast.ok()) {
        io.stop = 0;
        io.error = cast.status();
        return;
      }
      v = *std::move(cast);
    }
    SetConstant(io.out, type, v);
  });
}

}  // namespace

void RegisterTemporalFunctions(ScalarRegistry& r) {
  r.Add({.name = "EXTRACT",
         .signature = "EXTRACT(field FROM t) / EXTRACT('field', t) -> BIGINT",
         .description =
             "YEAR, QUARTER, MONTH, WEEK (ISO), DAY, DOW (0 = Sunday), DOY, "
             "HOUR, MINUTE, SECOND, MILLISECOND and MICROSECOND (the fraction "
             "of the second), EPOCH (seconds) of a DATE, TIME or TIMESTAMP.",
         .overloads = {TemporalArg(
             2, 1, true, [](const LogicalType&) { return kBigint; },
             "(VARCHAR, DATE) or (VARCHAR, TIME) or (VARCHAR, TIMESTAMP)")},
         .kernel = Extract});
  r.Add({.name = "DATE_FORMAT",
         .signature = "DATE_FORMAT(t TIMESTAMP, format VARCHAR) -> VARCHAR",
         .description = "Formats with MySQL specifiers: %Y %y %m %c %d %e %H "
                        "%k %h %I %l %i %s %f %p %b %M %a %W %j %T %%.",
         .overloads = {TemporalArg(
             2, 0, false, [](const LogicalType&) { return kV; },
             "(TIMESTAMP, VARCHAR) or (DATE, VARCHAR)")},
         .kernel = DateFormatKernel});
  r.Add(
      {.name = "TO_TIMESTAMP",
       .signature = "TO_TIMESTAMP(s VARCHAR[, format VARCHAR]) -> TIMESTAMP(3)",
       .description = "Parses s ('YYYY-MM-DD HH:MM:SS[.fff]' or the "
                      "MySQL-style format); NULL when it does not match.",
       .overloads = {Fixed({kV}, Ts(3)), Fixed({kV, kV}, Ts(3))},
       .kernel = Parse(false)});
  r.Add({.name = "TO_DATE",
         .signature = "TO_DATE(s VARCHAR[, format VARCHAR]) -> DATE",
         .description = "Parses s ('YYYY-MM-DD' or the MySQL-style format); "
                        "NULL when it does not match.",
         .overloads = {Fixed({kV}, kDate), Fixed({kV, kV}, kDate)},
         .kernel = Parse(true)});
  r.Add({.name = "UNIX_TIMESTAMP",
         .signature = "UNIX_TIMESTAMP(t TIMESTAMP) -> BIGINT",
         .description = "Seconds since 1970-01-01 00:00:00 (rounded down).",
         .overloads = {TemporalArg(
             1, 0, false, [](const LogicalType&) { return kBigint; },
             "(TIMESTAMP) or (DATE)")},
         .kernel = UnixTimestamp});
  r.Add({.name = "FROM_UNIXTIME",
         .signature = "FROM_UNIXTIME(seconds BIGINT) -> TIMESTAMP(0)",
         .description =
             "The timestamp that many seconds after 1970-01-01 00:00:00.",
         .overloads = {Fixed({kBigint}, Ts(0))},
         .kernel = FromUnixtime});
  r.Add(
      {.name = "DATE_TRUNC",
       .signature = "DATE_TRUNC(unit VARCHAR, t TIMESTAMP) -> TIMESTAMP",
       .description = "t rounded down to YEAR, QUARTER, MONTH, WEEK "
                      "(Monday), DAY, HOUR, MINUTE, SECOND or MILLISECOND.",
       .overloads = {TemporalArg(
           2, 1, false, [](const LogicalType& t) { return Ts(TsPrecision(t)); },
           "(VARCHAR, TIMESTAMP) or (VARCHAR, DATE)")},
       .kernel = DateTrunc});
  for (const char* name : {"CURRENT_TIMESTAMP", "NOW"}) {
    r.Add({.name = name,
           .signature = std::string(name) + "() -> TIMESTAMP(3)",
           .description = "The current time (processing time, UTC).",
           .overloads = {Fixed({}, Ts(3), "()")},
           .deterministic = false,
           .kernel = Clock});
  }
  r.Add({.name = "CURRENT_DATE",
         .signature = "CURRENT_DATE() -> DATE",
         .description = "The current date (UTC).",
         .overloads = {Fixed({}, kDate, "()")},
         .deterministic = false,
         .kernel = Clock});
}

}  // namespace weir::expr::internal

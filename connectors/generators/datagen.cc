#include "connectors/generators/datagen.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>
#include <utility>

#include "connectors/generators/random.h"
#include "engine/base/check.h"
#include "engine/base/strings.h"
#include "engine/types/value.h"

namespace weir::connectors::generators {
namespace {

using types::Batch;
using types::Column;
using types::Field;
using types::LogicalType;
using types::TypeId;
using types::Value;
using Kind = DatagenFieldOptions::Kind;

constexpr int64_t kDefaultStringLength = 100;
constexpr int64_t kMicrosPerSecond = 1000000;
constexpr int64_t kMicrosPerDay = 86400 * kMicrosPerSecond;

std::optional<int64_t> ParseInt64(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size())
    return std::nullopt;
  return v;
}

std::optional<double> ParseDouble(std::string_view text) {
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() ||
      v != v) {
    return std::nullopt;
  }
  return v;
}

int64_t WallClockMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

__int128 Pow10(int n) {
  __int128 v = 1;
  for (int i = 0; i < n; ++i) v *= 10;
  return v;
}

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t CeilDiv(int64_t a, int64_t b) { return -FloorDiv(-a, b); }

}  // namespace

// How one column's values are made.
struct DatagenGenerator::ColumnPlan {
  enum class Mode {
    kBoolean,
    kInt,      // (lo + uniform [0, hi - lo]) * unit, int64 physical
    kDouble,   // uniform [dlo, dhi)
    kDecimal,  // uniform [clo, chi] unscaled
    kString,   // `length` lowercase letters
    kSeqInt,   // start + row
    kSeqDouble,
    kSeqDecimal,  // start + row * step (unscaled)
    kSeqString,   // start + row as text
  };
  Mode mode = Mode::kInt;
  uint64_t key = 0;
  uint64_t null_key = 0;
  double null_rate = 0;
  int64_t lo = 0, hi = 0, unit = 1;
  double dlo = 0, dhi = 1;
  __int128 clo = 0, chi = 0, step = 1;
  size_t length = kDefaultStringLength;
};

absl::StatusOr<DatagenOptions> DatagenOptions::FromOptions(
    const std::vector<std::pair<std::string, std::string>>& options) {
  DatagenOptions out;
  out.now_micros = WallClockMicros();
  auto bad = [](const std::string& key, const std::string& value,
                std::string_view expected) {
    return absl::InvalidArgumentError(
        fmt::format("option '{}' must be {}, got '{}'", key, expected, value));
  };
  for (const auto& [key, value] : options) {
    if (key == "connector") continue;
    if (key == "rows-per-second" || key == "number-of-rows") {
      std::optional<int64_t> n = ParseInt64(value);
      if (!n || *n < 0) return bad(key, value, "an integer >= 0");
      (key == "rows-per-second" ? out.rows_per_second : out.number_of_rows) =
          *n;
      continue;
    }
    if (key == "seed") {
      std::optional<int64_t> n = ParseInt64(value);
      if (!n) return bad(key, value, "an integer");
      out.seed = static_cast<uint64_t>(*n);
      continue;
    }
    const size_t dot = key.rfind('.');
    if (key.rfind("fields.", 0) != 0 || dot == std::string::npos || dot <= 7) {
      return absl::InvalidArgumentError(
          fmt::format("unknown option '{}' for connector 'datagen'; it accepts "
                      "rows-per-second, "
                      "number-of-rows, seed and fields.<column>.<attribute>",
                      key));
    }
    const std::string column = key.substr(7, dot - 7);
    const std::string attribute = key.substr(dot + 1);
    auto it = std::find_if(out.fields.begin(), out.fields.end(),
                           [&](const auto& f) { return f.first == column; });
    if (it == out.fields.end()) {
      out.fields.emplace_back(column, DatagenFieldOptions{});
      it = out.fields.end() - 1;
    }
    DatagenFieldOptions& field = it->second;
    if (attribute == "kind") {
      const std::string lower = AsciiLower(value);
      if (lower == "random") {
        field.kind = Kind::kRandom;
      } else if (lower == "sequence") {
        field.kind = Kind::kSequence;
      } else {
        return bad(key, value, "one of random, sequence");
      }
    } else if (attribute == "min") {
      field.min = value;
    } else if (attribute == "max") {
      field.max = value;
    } else if (attribute == "start") {
      field.start = value;
    } else if (attribute == "end") {
      field.end = value;
    } else if (attribute == "length") {
      std::optional<int64_t> n = ParseInt64(value);
      if (!n || *n < 0) return bad(key, value, "an integer >= 0");
      field.length = *n;
    } else if (attribute == "null-rate") {
      std::optional<double> r = ParseDouble(value);
      if (!r || *r < 0 || *r > 1)
        return bad(key, value, "a number between 0 and 1");
      field.null_rate = *r;
    } else {
      return absl::InvalidArgumentError(
          fmt::format("unknown option '{}' for connector 'datagen'; the "
                      "attributes of a field are kind, "
                      "min, max, start, end, length, null-rate",
                      key));
    }
  }
  return out;
}

namespace {

// Parses a bound of column `field` (option `key`) into a value of its type.
absl::StatusOr<Value> ParseBound(const Field& field, const std::string& key,
                                 const std::string& text) {
  const LogicalType& type = field.type;
  auto bad = [&](std::string_view expected) {
    return absl::InvalidArgumentError(
        fmt::format("option '{}' must be {} (column '{}' is {}), got '{}'", key,
                    expected, field.name, type.ToString(), text));
  };
  std::optional<int64_t> integer = ParseInt64(text);
  switch (type.id()) {
    case TypeId::kDate:
      if (integer) return Value::Date(*integer);
      break;
    case TypeId::kTime:
      if (integer) {
        if (*integer < 0 || *integer >= 86400)
          return bad("a time or seconds of the day");
        return Value::Time(*integer * kMicrosPerSecond);
      }
      break;
    case TypeId::kTimestamp:
      if (integer) {
        if (*integer > std::numeric_limits<int64_t>::max() / 1000 ||
            *integer < std::numeric_limits<int64_t>::min() / 1000) {
          return bad("a timestamp or milliseconds since the epoch");
        }
        return Value::Timestamp(*integer * 1000, type.precision());
      }
      break;
    default:
      break;
  }
  absl::StatusOr<Value> v = types::CastValue(Value::Varchar(text), type);
  if (!v.ok() || v->is_null()) {
    switch (type.id()) {
      case TypeId::kInt:
      case TypeId::kBigint:
        return bad(fmt::format("an integer that fits {}", type.ToString()));
      case TypeId::kDecimal:
        return bad(fmt::format("a number that fits {}", type.ToString()));
      case TypeId::kDouble:
        return bad("a number");
      case TypeId::kDate:
        return bad("a date like '2026-01-01' or days since 1970-01-01");
      case TypeId::kTime:
        return bad("a time like '12:00:00' or seconds of the day");
      case TypeId::kTimestamp:
        return bad(
            "a timestamp like '2026-01-01 00:00:00' or milliseconds since the "
            "epoch");
      default:
        return bad("a value of the column's type");
    }
  }
  return *v;
}

bool SupportsSequence(TypeId id) {
  return id == TypeId::kInt || id == TypeId::kBigint ||
         id == TypeId::kDecimal || id == TypeId::kDouble ||
         id == TypeId::kVarchar || id == TypeId::kBytes;
}

}  // namespace

absl::StatusOr<std::unique_ptr<DatagenGenerator>> DatagenGenerator::Create(
    const DatagenOptions& options,
    std::shared_ptr<const types::Schema> schema) {
  return CreateSplit(options, std::move(schema), 0, 1);
}

absl::StatusOr<std::unique_ptr<DatagenGenerator>> DatagenGenerator::CreateSplit(
    const DatagenOptions& options, std::shared_ptr<const types::Schema> schema,
    int split_index, int num_splits) {
  using Mode = ColumnPlan::Mode;
  if (schema == nullptr)
    return absl::InvalidArgumentError("datagen: no schema");
  if (num_splits < 1 || split_index < 0 || split_index >= num_splits) {
    return absl::InvalidArgumentError(fmt::format(
        "datagen: split {} of {} does not exist", split_index, num_splits));
  }
  if (options.number_of_rows < 0 || options.rows_per_second < 0) {
    return absl::InvalidArgumentError(
        "options 'number-of-rows' and 'rows-per-second' must be >= 0");
  }
  // Options per column.
  std::vector<const DatagenFieldOptions*> per_column(schema->size(), nullptr);
  for (const auto& [name, field_options] : options.fields) {
    std::optional<size_t> index = schema->IndexOf(name);
    if (!index) {
      std::vector<std::string> names;
      for (const Field& f : schema->fields()) names.push_back(f.name);
      return absl::InvalidArgumentError(
          fmt::format("options 'fields.{}.*' name no column of the stream; its "
                      "columns are {}",
                      name, JoinStrings(names, ", ")));
    }
    per_column[*index] = &field_options;
  }

  const uint64_t seed_key = Mix64(options.seed ^ 0x44415441474E3031ULL);
  int64_t total = options.number_of_rows > 0 ? options.number_of_rows : -1;
  std::vector<ColumnPlan> plans;
  for (size_t c = 0; c < schema->size(); ++c) {
    const Field& field = schema->field(c);
    const TypeId id = field.type.id();
    const DatagenFieldOptions defaults;
    const DatagenFieldOptions& fo = per_column[c] ? *per_column[c] : defaults;
    auto key_of = [&](const char* attribute) {
      return fmt::format("fields.{}.{}", field.name, attribute);
    };
    auto not_for = [&](const char* attribute, std::string_view why) {
      return absl::InvalidArgumentError(fmt::format(
          "option '{}' does not apply: {}", key_of(attribute), why));
    };
    ColumnPlan plan;
    plan.key = Mix64(seed_key + (c + 1) * 0xA0761D6478BD642FULL);
    plan.null_key = Mix64(plan.key ^ 0xE7037ED1A0B428DBULL);
    plan.null_rate = fo.null_rate;
    if (fo.null_rate > 0 && !field.nullable) {
      return not_for("null-rate",
                     fmt::format("column '{}' is NOT NULL", field.name));
    }
    if (id == TypeId::kInterval || id == TypeId::kNull) {
      return absl::InvalidArgumentError(
          fmt::format("datagen cannot generate column '{}' of type {}",
                      field.name, field.type.ToString()));
    }
    const bool is_string = id == TypeId::kVarchar || id == TypeId::kBytes;
    if (fo.length && !is_string) {
      return not_for("length",
                     fmt::format("column '{}' is not a string", field.name));
    }

    if (fo.kind == Kind::kSequence) {
      if (!SupportsSequence(id)) {
        return not_for(
            "kind",
            fmt::format("kind 'sequence' is for numbers and strings, and "
                        "column '{}' is {}",
                        field.name, field.type.ToString()));
      }
      if (fo.min) return not_for("min", "a sequence has 'start' and 'end'");
      if (fo.max) return not_for("max", "a sequence has 'start' and 'end'");
      if (fo.length)
        return not_for("length", "a sequence's strings are its numbers");
      if (!fo.start || !fo.end) {
        return absl::InvalidArgumentError(
            fmt::format("a sequence column needs options '{}' and '{}'",
                        key_of("start"), key_of("end")));
      }
      // Strings count with BIGINT numbers.
      types::Field bound_field = field;
      if (is_string) bound_field.type = LogicalType::Bigint();
      absl::StatusOr<Value> start =
          ParseBound(bound_field, key_of("start"), *fo.start);
      if (!start.ok()) return start.status();
      absl::StatusOr<Value> end =
          ParseBound(bound_field, key_of("end"), *fo.end);
      if (!end.ok()) return end.status();
      __int128 count = 0;
      if (id == TypeId::kDouble) {
        plan.mode = Mode::kSeqDouble;
        plan.dlo = start->dbl();
        const double span = end->dbl() - start->dbl();
        if (span < 0)
          count = -1;
        else if (span >= 9e18)
          count = std::numeric_limits<int64_t>::max();
        else
          count = static_cast<__int128>(span) + 1;
      } else if (id == TypeId::kDecimal) {
        plan.mode = Mode::kSeqDecimal;
        plan.step = Pow10(field.type.scale());
        plan.clo = start->decimal();
        count = end->decimal() < start->decimal()
                    ? -1
                    : (end->decimal() - start->decimal()) / plan.step + 1;
      } else {
        plan.mode = is_string ? Mode::kSeqString : Mode::kSeqInt;
        plan.clo = start->integer();
        count = static_cast<__int128>(end->integer()) - start->integer() + 1;
      }
      if (count <= 0) {
        return absl::InvalidArgumentError(
            fmt::format("option '{}' ({}) is greater than '{}' ({})",
                        key_of("start"), *fo.start, key_of("end"), *fo.end));
      }
      const int64_t n = count > std::numeric_limits<int64_t>::max()
                            ? std::numeric_limits<int64_t>::max()
                            : static_cast<int64_t>(count);
      total = total < 0 ? n : std::min(total, n);
      plans.push_back(plan);
      continue;
    }

    if (fo.start) return not_for("start", "it is for kind 'sequence'");
    if (fo.end) return not_for("end", "it is for kind 'sequence'");
    if ((fo.min || fo.max) && (is_string || id == TypeId::kBoolean)) {
      return not_for(
          fo.min ? "min" : "max",
          fmt::format("column '{}' is {}", field.name, field.type.ToString()));
    }
    std::optional<Value> lo, hi;
    if (fo.min) {
      absl::StatusOr<Value> v = ParseBound(field, key_of("min"), *fo.min);
      if (!v.ok()) return v.status();
      lo = *v;
    }
    if (fo.max) {
      absl::StatusOr<Value> v = ParseBound(field, key_of("max"), *fo.max);
      if (!v.ok()) return v.status();
      hi = *v;
    }
    if (lo && hi) {
      absl::StatusOr<int> cmp = types::CompareValues(*lo, *hi);
      if (cmp.ok() && *cmp > 0) {
        return absl::InvalidArgumentError(
            fmt::format("option '{}' ({}) is greater than '{}' ({})",
                        key_of("min"), *fo.min, key_of("max"), *fo.max));
      }
    }
    switch (id) {
      case TypeId::kBoolean:
        plan.mode = Mode::kBoolean;
        break;
      case TypeId::kInt:
      case TypeId::kBigint: {
        plan.mode = Mode::kInt;
        const bool is_int = id == TypeId::kInt;
        plan.lo = lo ? lo->integer()
                     : (is_int ? std::numeric_limits<int32_t>::min()
                               : std::numeric_limits<int64_t>::min());
        plan.hi = hi ? hi->integer()
                     : (is_int ? std::numeric_limits<int32_t>::max()
                               : std::numeric_limits<int64_t>::max());
        break;
      }
      case TypeId::kDouble:
        plan.mode = Mode::kDouble;
        plan.dlo = lo ? lo->dbl() : 0.0;
        plan.dhi = hi ? hi->dbl() : 1.0;
        if (plan.dhi < plan.dlo)
          (fo.min ? plan.dhi : plan.dlo) = fo.min ? plan.dlo : plan.dhi;
        break;
      case TypeId::kDecimal: {
        plan.mode = Mode::kDecimal;
        const __int128 limit = Pow10(field.type.precision()) - 1;
        plan.clo = lo ? lo->decimal() : -limit;
        plan.chi = hi ? hi->decimal() : limit;
        break;
      }
      case TypeId::kVarchar:
      case TypeId::kBytes:
        plan.mode = Mode::kString;
        plan.length =
            static_cast<size_t>(fo.length.value_or(kDefaultStringLength));
        break;
      case TypeId::kDate: {
        plan.mode = Mode::kInt;
        const int64_t today = FloorDiv(options.now_micros, kMicrosPerDay);
        plan.lo = lo ? lo->integer() : today - 30;
        plan.hi = hi ? hi->integer() : today;
        break;
      }
      case TypeId::kTime:
        plan.mode = Mode::kInt;
        plan.lo = lo ? lo->integer() : 0;
        plan.hi = hi ? hi->integer() : kMicrosPerDay - 1;
        break;
      case TypeId::kTimestamp: {
        plan.mode = Mode::kInt;
        for (int p = field.type.precision(); p < 6; ++p) plan.unit *= 10;
        const int64_t from =
            lo ? lo->integer() : options.now_micros - 3600 * kMicrosPerSecond;
        const int64_t to = hi ? hi->integer() : options.now_micros;
        plan.lo = CeilDiv(from, plan.unit);
        plan.hi = FloorDiv(to, plan.unit);
        if (plan.lo > plan.hi) {
          return absl::InvalidArgumentError(
              fmt::format("options '{}' and '{}' hold no value of {}",
                          key_of("min"), key_of("max"), field.type.ToString()));
        }
        break;
      }
      default:
        return absl::InvalidArgumentError(
            fmt::format("datagen cannot generate column '{}' of type {}",
                        field.name, field.type.ToString()));
    }
    // Only one bound given, beyond the default other one: a single value.
    if (plan.mode == Mode::kInt && plan.lo > plan.hi)
      (fo.min ? plan.hi : plan.lo) = fo.min ? plan.lo : plan.hi;
    if (plan.mode == Mode::kDecimal && plan.clo > plan.chi)
      (fo.min ? plan.chi : plan.clo) = fo.min ? plan.clo : plan.chi;
    plans.push_back(plan);
  }
  return std::unique_ptr<DatagenGenerator>(
      new DatagenGenerator(options, std::move(schema), std::move(plans), total,
                           split_index, num_splits));
}

DatagenGenerator::DatagenGenerator(const DatagenOptions& options,
                                   std::shared_ptr<const types::Schema> schema,
                                   std::vector<ColumnPlan> plans,
                                   int64_t total_rows, int split_index,
                                   int num_splits)
    : options_(options),
      schema_(std::move(schema)),
      plans_(std::move(plans)),
      total_rows_(total_rows),
      split_index_(split_index),
      num_splits_(num_splits),
      next_row_(static_cast<int64_t>(split_index) * kRowsPerBlock) {}

DatagenGenerator::~DatagenGenerator() = default;

bool DatagenGenerator::finished() const {
  return total_rows_ >= 0 && next_row_ >= total_rows_;
}

std::optional<int64_t> DatagenGenerator::total_rows() const {
  if (total_rows_ < 0) return std::nullopt;
  return total_rows_;
}

size_t DatagenGenerator::Next(Batch* out, size_t max_rows) {
  using Mode = ColumnPlan::Mode;
  WEIR_CHECK(out->num_columns() == plans_.size());
  WEIR_CHECK(!out->has_selection());
  row_numbers_.clear();
  while (row_numbers_.size() < max_rows && !finished()) {
    row_numbers_.push_back(next_row_);
    ++next_row_;
    if (next_row_ % kRowsPerBlock == 0)
      next_row_ += (num_splits_ - 1) * kRowsPerBlock;
  }
  const size_t base = out->num_rows();
  const size_t n = row_numbers_.size();
  for (size_t c = 0; c < plans_.size(); ++c) {
    const ColumnPlan& p = plans_[c];
    Column& col = out->column(c);
    col.Reserve(base + n);
    for (int64_t row : row_numbers_) {
      const uint64_t r = static_cast<uint64_t>(row);
      if (p.null_rate > 0 &&
          SplitMix64(ItemKey(p.null_key, r)).Unit() < p.null_rate) {
        col.AppendNull();
        continue;
      }
      SplitMix64 rng(ItemKey(p.key, r));
      switch (p.mode) {
        case Mode::kBoolean:
          col.AppendInt(static_cast<int64_t>(rng.Next() >> 63));
          break;
        case Mode::kInt: {
          const uint64_t width =
              static_cast<uint64_t>(p.hi) - static_cast<uint64_t>(p.lo) + 1;
          const uint64_t x = width == 0 ? rng.Next() : rng.Below(width);
          const int64_t k =
              static_cast<int64_t>(static_cast<uint64_t>(p.lo) + x);
          col.AppendInt(k * p.unit);
          break;
        }
        case Mode::kDouble:
          col.AppendDouble(p.dlo + rng.Unit() * (p.dhi - p.dlo));
          break;
        case Mode::kDecimal: {
          using U128 = unsigned __int128;
          const U128 width =
              static_cast<U128>(p.chi) - static_cast<U128>(p.clo) + 1;
          // Rejection keeps it exactly uniform (width may be close to 2^128).
          const U128 limit = ~U128{0} - (~U128{0} % width);
          U128 x;
          do {
            x = (static_cast<U128>(rng.Next()) << 64) | rng.Next();
          } while (x >= limit);
          x %= width;
          col.AppendDecimal(
              static_cast<__int128>(static_cast<U128>(p.clo) + x));
          break;
        }
        case Mode::kString: {
          std::string s;
          s.reserve(p.length);
          AppendLetters(&s, p.length, &rng);
          col.AppendString(std::move(s));
          break;
        }
        case Mode::kSeqInt:
          col.AppendInt(static_cast<int64_t>(p.clo + row));
          break;
        case Mode::kSeqDouble:
          col.AppendDouble(p.dlo + static_cast<double>(row));
          break;
        case Mode::kSeqDecimal:
          col.AppendDecimal(p.clo + static_cast<__int128>(row) * p.step);
          break;
        case Mode::kSeqString: {
          char buf[24];
          auto [end, ec] = std::to_chars(buf, buf + sizeof(buf),
                                         static_cast<int64_t>(p.clo + row));
          (void)ec;
          col.AppendString(std::string(buf, end));
          break;
        }
      }
    }
  }
  out->SetNumRows(base + n);
  rows_generated_ += static_cast<int64_t>(n);
  return n;
}

}  // namespace weir::connectors::generators

#include "engine/expr/functions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "absl/status/status.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/expr/function_registry.h"
#include "engine/expr/type_rules.h"

namespace weir::expr {

using types::LogicalType;
using types::TypeId;

namespace {

absl::Status Error(std::string message) {
  return absl::InvalidArgumentError(std::move(message));
}

const LogicalType kBigint = LogicalType::Bigint();
const LogicalType kDouble = LogicalType::Double();

}  // namespace

absl::StatusOr<ResolvedScalar> ResolveScalar(
    std::string_view name, const std::vector<types::LogicalType>& args) {
  const internal::ScalarFunction* f = internal::ScalarFunctions().Find(name);
  if (f == nullptr) {
    std::vector<std::string> names = internal::ScalarFunctions().Names();
    // Operators are spelt as symbols; only suggest callable names.
    std::erase_if(names, [](const std::string& n) {
      return !std::isalpha(static_cast<unsigned char>(n[0]));
    });
    for (const char* agg : {"COUNT", "SUM", "AVG", "MIN", "MAX"})
      names.push_back(agg);
    std::sort(names.begin(), names.end());
    return Error(fmt::format("unknown function '{}'{}", weir::AsciiUpper(name),
                             DidYouMean(weir::AsciiUpper(name), names)));
  }
  std::string expected;
  for (const internal::Overload& o : f->overloads) {
    if (auto m = o.match(args)) {
      ResolvedScalar r;
      r.function = f->name;
      r.result = m->result;
      r.arg_types = std::move(m->arg_types);
      r.null_if_any_null = f->nulls == internal::NullHandling::kDefault;
      return r;
    }
    if (!expected.empty()) expected += " or ";
    expected += o.expected;
  }
  return Error(fmt::format("{} {} does not accept {}; expected {}",
                           f->is_operator ? "operator" : "function",
                           weir::AsciiUpper(name), internal::TypeList(args),
                           expected));
}

bool IsDeterministic(std::string_view name) {
  const internal::ScalarFunction* f = internal::ScalarFunctions().Find(name);
  return f == nullptr || f->deterministic;
}

// ---------------------------------------------------------------------------
// Aggregates.

namespace {

bool IsComparableType(const LogicalType& t) {
  return t.IsNumeric() || t.IsString() || t.IsTemporal() || t.IsNull() ||
         t.id() == TypeId::kBoolean || t.id() == TypeId::kInterval ||
         t.id() == TypeId::kBytes;
}

struct AggregateDoc {
  const char* name;
  const char* signature;
  const char* description;
};

constexpr AggregateDoc kAggregateDocs[] = {
    {"COUNT", "COUNT(*) | COUNT([DISTINCT] x) -> BIGINT",
     "Number of rows, or of non-NULL (distinct) values of x."},
    {"SUM", "SUM([DISTINCT] x numeric)",
     "Sum: BIGINT for integers, DECIMAL(38, s) for DECIMAL(p, s), DOUBLE for "
     "DOUBLE; NULL when there are no non-NULL values."},
    {"AVG", "AVG([DISTINCT] x numeric)",
     "Average: DECIMAL(38, 6) for integers, DECIMAL(38, max(s, 6)) for "
     "DECIMAL(p, s), DOUBLE for DOUBLE."},
    {"MIN", "MIN(x) -> same type", "Smallest non-NULL value."},
    {"MAX", "MAX(x) -> same type", "Largest non-NULL value."},
};

constexpr AggregateDoc kWindowDocs[] = {
    {"ROW_NUMBER", "ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...)",
     "1, 2, 3... within the partition (top-N when filtered with <= N)."},
    {"RANK", "RANK() OVER (PARTITION BY ... ORDER BY ...)",
     "Rank with gaps after ties."},
    {"DENSE_RANK", "DENSE_RANK() OVER (PARTITION BY ... ORDER BY ...)",
     "Rank without gaps after ties."},
};

}  // namespace

bool IsAggregateFunction(std::string_view name) {
  std::string n = weir::AsciiUpper(name);
  for (const auto& a : kAggregateDocs) {
    if (n == a.name) return true;
  }
  return false;
}

bool IsWindowFunction(std::string_view name) {
  std::string n = weir::AsciiUpper(name);
  return n == "ROW_NUMBER" || n == "RANK" || n == "DENSE_RANK";
}

absl::StatusOr<ResolvedAggregate> ResolveAggregate(
    std::string_view name, const std::vector<types::LogicalType>& args,
    bool distinct, bool star) {
  std::string n = weir::AsciiUpper(name);
  if (!IsAggregateFunction(n)) {
    return Error(fmt::format("unknown aggregate function '{}'", n));
  }
  auto reject = [&](const std::string& expected) {
    std::string shown = star ? "(*)" : internal::TypeList(args);
    if (distinct && !star) shown = "(DISTINCT " + shown.substr(1);
    return Error(fmt::format("function {} does not accept {}; expected {}", n,
                             shown, expected));
  };
  ResolvedAggregate r;
  r.function = n;
  if (n == "COUNT") {
    if (star) {
      if (distinct || !args.empty()) return reject("(*) or (any)");
      r.result = kBigint;
      r.state = "count";
      return r;
    }
    if (args.size() != 1) return reject("(*) or (any)");
    r.result = kBigint;
    r.arg_types = args;
    if (distinct) {
      r.function = "COUNT_DISTINCT";
      r.retractable_cheaply = false;
      r.state = "distinct value set";
    } else {
      r.state = "count";
    }
    return r;
  }
  if (star)
    return reject(n == "MIN" || n == "MAX" ? "(any comparable type)"
                                           : "(numeric)");
  if (n == "MIN" || n == "MAX") {
    if (args.size() != 1 || !IsComparableType(args[0])) {
      return reject("(any comparable type)");
    }
    r.result = args[0];
    r.arg_types = args;
    r.retractable_cheaply = false;
    r.state = "value multiset";
    return r;
  }
  // SUM, AVG
  if (args.size() != 1 || !internal::NumOrNull(args[0]))
    return reject("(numeric)");
  LogicalType t = args[0].IsNull() ? kBigint : args[0];
  bool sum = n == "SUM";
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
  if (distinct) {
    r.function = n + "_DISTINCT";
    r.retractable_cheaply = false;
    r.state = "distinct value set";
  } else {
    r.state = "sum+count";
  }
  return r;
}

std::vector<FunctionDoc> ListFunctions() {
  std::vector<FunctionDoc> out;
  for (const internal::ScalarFunction& f :
       internal::ScalarFunctions().functions()) {
    out.push_back({f.name, f.signature, f.description});
    for (const auto& s : f.synonyms) {
      out.push_back({s, f.signature, "Same as " + f.name + "."});
    }
  }
  for (const auto& a : kAggregateDocs) {
    out.push_back({a.name, a.signature, a.description});
  }
  for (const auto& w : kWindowDocs) {
    out.push_back({w.name, w.signature, w.description});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const FunctionDoc& a, const FunctionDoc& b) {
                     return a.name < b.name;
                   });
  return out;
}

}  // namespace weir::expr

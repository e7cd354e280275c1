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
// Aggregates (registered in functions/aggregates.cc) and the ranking window
// functions (planned by the binder as top-N).

namespace {

const internal::AggregateFunction* FindAggregate(std::string_view name) {
  std::string n = weir::AsciiUpper(name);
  for (const internal::AggregateFunction& f : internal::AggregateFunctions()) {
    if (f.name == n) return &f;
  }
  return nullptr;
}

struct WindowDoc {
  const char* name;
  const char* signature;
  const char* description;
};

constexpr WindowDoc kWindowDocs[] = {
    {"ROW_NUMBER", "ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...)",
     "1, 2, 3... within the partition (top-N when filtered with <= N)."},
    {"RANK", "RANK() OVER (PARTITION BY ... ORDER BY ...)",
     "Rank with gaps after ties."},
    {"DENSE_RANK", "DENSE_RANK() OVER (PARTITION BY ... ORDER BY ...)",
     "Rank without gaps after ties."},
};

}  // namespace

bool IsAggregateFunction(std::string_view name) {
  return FindAggregate(name) != nullptr;
}

bool IsWindowFunction(std::string_view name) {
  std::string n = weir::AsciiUpper(name);
  for (const WindowDoc& w : kWindowDocs) {
    if (n == w.name) return true;
  }
  return false;
}

absl::StatusOr<ResolvedAggregate> ResolveAggregate(
    std::string_view name, const std::vector<types::LogicalType>& args,
    bool distinct, bool star) {
  const internal::AggregateFunction* f = FindAggregate(name);
  if (f == nullptr) {
    return Error(
        fmt::format("unknown aggregate function '{}'", weir::AsciiUpper(name)));
  }
  if (std::optional<ResolvedAggregate> r = f->resolve(args, distinct, star)) {
    return *r;
  }
  std::string shown = star ? "(*)" : internal::TypeList(args);
  if (distinct && !star) shown = "(DISTINCT " + shown.substr(1);
  return Error(fmt::format("function {} does not accept {}; expected {}",
                           f->name, shown, f->expected));
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
  for (const internal::AggregateFunction& a : internal::AggregateFunctions()) {
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

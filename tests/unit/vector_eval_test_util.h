#pragma once

// Builders and checks shared by vector_eval_test.cc and
// vector_eval_kernels_test.cc (batches against row-at-a-time evaluation)
// and vector_eval_tables_test.cc (hand-written tables): literals, a call
// resolved and cast as the binder does, CASE with a common result type,
// value equality that tells -0.0 from 0.0, random picks, and Check, which
// compares a batch evaluation with row-at-a-time evaluation.

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "engine/expr/bound_expr.h"
#include "engine/expr/functions.h"
#include "engine/expr/vector_eval.h"
#include "engine/types/batch.h"
#include "engine/types/logical_type.h"
#include "engine/types/schema.h"
#include "engine/types/value.h"

namespace weir::expr::test_util {

using types::Batch;
using types::Column;
using types::LogicalType;
using types::Value;

inline BoundExprPtr I(int32_t v) { return MakeLiteral(Value::Int(v)); }
inline BoundExprPtr Big(int64_t v) { return MakeLiteral(Value::Bigint(v)); }
inline BoundExprPtr S(std::string v) {
  return MakeLiteral(Value::Varchar(std::move(v)));
}
inline BoundExprPtr D(double v) { return MakeLiteral(Value::Double(v)); }
inline BoundExprPtr Null() { return MakeLiteral(Value()); }
inline BoundExprPtr Dec(const std::string& text) {
  return MakeLiteral(*types::ParseDecimalLiteral(text));
}
inline BoundExprPtr Cast(BoundExprPtr e, LogicalType t, bool try_cast = false) {
  return MakeCast(std::move(e), t, try_cast);
}

/// Column i of `schema` as a bound column reference.
inline BoundExprPtr ColumnOf(const types::Schema& schema, int i) {
  const types::Field& f = schema.fields()[i];
  return MakeColumn(i, f.name, f.type, true);
}

inline std::string Message(const absl::Status& s) {
  return std::string(s.message());
}

// What the binder does: resolve, cast the arguments, build the call.
inline BoundExprPtr Call(const std::string& name,
                         std::vector<BoundExprPtr> args) {
  std::vector<LogicalType> types;
  for (const auto& a : args) types.push_back(a->type);
  auto r = ResolveScalar(name, types);
  BOOST_REQUIRE_MESSAGE(r.ok(), name + ": " + Message(r.status()));
  for (size_t i = 0; i < args.size(); ++i) {
    args[i] = MakeCast(args[i], r->arg_types[i]);
  }
  return MakeCall(r->function, std::move(args), r->result, true);
}

inline BoundExprPtr Case(std::vector<BoundExprPtr> args) {
  LogicalType t = LogicalType::Null();
  for (size_t i = 1; i < args.size(); i += 2) {
    t = *types::CommonSuperType(t, args[i]->type);
  }
  if (args.size() % 2 == 1) t = *types::CommonSuperType(t, args.back()->type);
  for (size_t i = 1; i < args.size(); i += 2) args[i] = MakeCast(args[i], t);
  if (args.size() % 2 == 1) args.back() = MakeCast(args.back(), t);
  return MakeCase(std::move(args), t);
}

inline bool SameValue(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return a.is_null() && b.is_null();
  // -0.0 and 0.0 compare equal but print differently.
  if (a.type().id() == types::TypeId::kDouble &&
      b.type().id() == types::TypeId::kDouble &&
      std::signbit(a.dbl()) != std::signbit(b.dbl()) && !std::isnan(a.dbl())) {
    return false;
  }
  if (a == b) return true;
  return a.type() == b.type() && a.ToString() == b.ToString();  // NaN
}

using Rng = std::mt19937_64;

template <typename T>
const T& Pick(Rng& rng, const std::vector<T>& v) {
  return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
}

inline int64_t Between(Rng& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

inline absl::StatusOr<Value> RowAtATime(const BoundExprPtr& e,
                                        const Batch& batch, size_t row) {
  std::vector<BoundExprPtr> literals;
  for (size_t c = 0; c < batch.num_columns(); ++c) {
    literals.push_back(MakeLiteral(batch.column(c).GetValue(row)));
  }
  return EvaluateConstant(*RemapColumns(e, literals));
}

inline std::vector<uint32_t> LiveRows(const Batch& batch) {
  if (batch.has_selection()) return batch.selection();
  std::vector<uint32_t> rows(batch.num_rows());
  for (uint32_t r = 0; r < rows.size(); ++r) rows[r] = r;
  return rows;
}

struct CheckStats {
  size_t rows = 0;
  size_t errors = 0;
};

/// Evaluates `e` over the live rows of `batch`; each reported error must be
/// an error of the reference at that row (same code), then the row is
/// dropped and evaluation repeated; finally every remaining row must equal
/// the reference. For BOOLEAN expressions Filter is checked too.
/// With `exact_messages`, a vector error must read "<the reference's
/// message> in <subexpression> [arguments: ...]".
inline CheckStats Check(const BoundExprPtr& e, Batch& batch,
                        bool exact_messages = false) {
  CheckStats stats;
  const std::string what = e->ToString();
  auto compiled = CompiledExpr::Compile(e);
  BOOST_REQUIRE_MESSAGE(compiled.ok(),
                        what + ": " + Message(compiled.status()));
  std::vector<uint32_t> live = LiveRows(batch);
  Column out;
  for (int attempt = 0;; ++attempt) {
    BOOST_REQUIRE_MESSAGE(attempt < 400, what + ": too many errors");
    batch.SetSelection(live);
    size_t error_row = SIZE_MAX;
    absl::Status s = (*compiled)->Evaluate(batch, &out, &error_row);
    if (s.ok()) break;
    auto it = std::find(live.begin(), live.end(), error_row);
    BOOST_REQUIRE_MESSAGE(
        it != live.end(),
        what + ": error at a row that is not live: " + Message(s));
    auto ref = RowAtATime(e, batch, error_row);
    BOOST_CHECK_MESSAGE(!ref.ok(), what + " row " + std::to_string(error_row) +
                                       ": vector error '" + Message(s) +
                                       "' but reference " +
                                       (ref.ok() ? ref->ToString() : ""));
    if (!ref.ok()) {
      BOOST_CHECK_MESSAGE(ref.status().code() == s.code(),
                          what + ": error codes differ: '" + Message(s) +
                              "' vs '" + Message(ref.status()) + "'");
      BOOST_CHECK_MESSAGE(
          Message(s).find(Message(ref.status())) != std::string::npos ||
              Message(s).find(" in ") != std::string::npos,
          Message(s));
      if (exact_messages) {
        BOOST_CHECK_MESSAGE(
            Message(s).rfind(Message(ref.status()) + " in ", 0) == 0,
            what + ": vector error '" + Message(s) + "' reference '" +
                Message(ref.status()) + "'");
      }
    }
    ++stats.errors;
    live.erase(it);
  }
  BOOST_REQUIRE_EQUAL(out.size(), batch.num_rows());
  BOOST_REQUIRE(out.type() == e->type);
  for (uint32_t r : live) {
    auto ref = RowAtATime(e, batch, r);
    Value got = out.GetValue(r);
    if (!ref.ok()) {
      BOOST_ERROR(what << " row " << r << ": reference error '"
                       << Message(ref.status()) << "' but vector gave "
                       << got.ToString());
      continue;
    }
    BOOST_CHECK_MESSAGE(SameValue(*ref, got),
                        what << " row " << r << ": vector " << got.ToString()
                             << " reference " << ref->ToString());
    ++stats.rows;
  }
  if (e->type.id() == types::TypeId::kBoolean) {
    batch.SetSelection(live);
    absl::Status s = (*compiled)->Filter(&batch);
    BOOST_REQUIRE_MESSAGE(s.ok(), what + ": Filter: " + Message(s));
    std::vector<uint32_t> want;
    for (uint32_t r : live) {
      Value v = out.GetValue(r);
      if (!v.is_null() && v.boolean()) want.push_back(r);
    }
    BOOST_CHECK_MESSAGE(batch.selection() == want,
                        what + ": Filter rows differ");
  }
  return stats;
}

}  // namespace weir::expr::test_util

// INSERT INTO stream [(columns)] VALUES ... and INSERT INTO stream SELECT:
// the target's columns, and each value converted to its column's type.

#include <algorithm>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/suggest.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

using expr::BoundExprKind;
using types::Value;

namespace {

/// `e` converted to the type of column `col` of `schema`, or why it cannot
/// be; errors point at `span`.
absl::StatusOr<BoundExprPtr> FitColumn(BoundExprPtr e,
                                       const types::Schema& schema, int col,
                                       const SourceSpan& span) {
  const types::Field& f = schema.field(col);
  if (!types::CanImplicitlyCast(e->type, f.type)) {
    // Literal text for a temporal column is a common, harmless shorthand.
    bool text_to_time =
        e->type.IsString() && f.type.IsTemporal() && e->IsConstant();
    if (!text_to_time) {
      return SqlError(
          span, fmt::format("column '{}' is {}, but the value is {}", f.name,
                            f.type.ToString(), e->type.ToString()));
    }
  }
  if (!f.nullable && e->kind == BoundExprKind::kLiteral && e->value.is_null()) {
    return SqlError(span, fmt::format("column '{}' is NOT NULL", f.name));
  }
  return CastTo(e, f.type);
}

}  // namespace

absl::StatusOr<const catalog::Entry*> StatementBinder::FindInsertTarget(
    const ast::InsertStatement& s) {
  std::string name = s.target.ToString();
  const catalog::Entry* target = catalog_.Find(name);
  if (target == nullptr) {
    std::vector<std::string> names;
    for (const auto* e : catalog_.List(catalog::EntryKind::kStream))
      names.push_back(e->name);
    return SqlError(
        absl::StatusCode::kNotFound, s.target.span,
        fmt::format("unknown stream '{}'{}", name, DidYouMean(name, names)));
  }
  WEIR_RETURN_IF_ERROR(CheckInsertTarget(connectors_, *target, s.target.span));
  return target;
}

absl::StatusOr<std::vector<int>> StatementBinder::InsertColumns(
    const ast::InsertStatement& s, const catalog::Entry& target) {
  const types::Schema& schema = target.schema;
  std::vector<int> cols;
  if (s.columns.empty()) {
    for (size_t i = 0; i < schema.size(); ++i)
      cols.push_back(static_cast<int>(i));
    return cols;
  }
  for (const auto& c : s.columns) {
    std::optional<size_t> idx = schema.IndexOf(c.name);
    if (!idx) {
      std::vector<std::string> names;
      for (const auto& f : schema.fields()) names.push_back(f.name);
      return SqlError(
          c.span, fmt::format("'{}' has no column '{}'{}", target.name, c.name,
                              DidYouMean(c.name, names)));
    }
    if (std::find(cols.begin(), cols.end(), static_cast<int>(*idx)) !=
        cols.end()) {
      return SqlError(c.span,
                      fmt::format("column '{}' is listed twice", c.name));
    }
    cols.push_back(static_cast<int>(*idx));
  }
  // Columns left out get NULL, which a NOT NULL column refuses.
  for (size_t i = 0; i < schema.size(); ++i) {
    if (!schema.field(i).nullable &&
        std::find(cols.begin(), cols.end(), static_cast<int>(i)) ==
            cols.end()) {
      return SqlError(s.target.span,
                      fmt::format("column '{}' is NOT NULL and gets no value",
                                  schema.field(i).name));
    }
  }
  return cols;
}

absl::StatusOr<BoundRel> StatementBinder::BindInsertQuery(
    const ast::InsertStatement& s, const catalog::Entry& target,
    const std::vector<int>& cols) {
  const types::Schema& schema = target.schema;
  WEIR_ASSIGN_OR_RETURN(BoundRel rel, BindQuery(*s.query, QueryUse::kInsert));
  if (rel.columns.size() != cols.size()) {
    return SqlError(s.query->span,
                    fmt::format("the query gives {} columns but {} expects {}",
                                rel.columns.size(), target.name, cols.size()));
  }
  // A projection onto the target's columns, in its order.
  auto p = std::make_shared<ProjectNode>();
  for (size_t i = 0; i < schema.size(); ++i) {
    auto it = std::find(cols.begin(), cols.end(), static_cast<int>(i));
    BoundExprPtr e;
    if (it == cols.end()) {
      e = expr::MakeLiteral(Value::Null(schema.field(i).type));
    } else {
      size_t from = it - cols.begin();
      const auto& c = rel.columns[from];
      e = expr::MakeColumn(static_cast<int>(from), c.name, c.type, c.nullable);
      WEIR_ASSIGN_OR_RETURN(
          e, FitColumn(e, schema, static_cast<int>(i), s.query->span));
    }
    p->exprs.push_back(e);
    p->schema.Add(schema.field(i));
  }
  p->inputs = {rel.plan};
  DeriveProjectProps(*rel.plan, p.get());
  if (!p->append_only) {
    return SqlError(s.query->span,
                    fmt::format("'{}' is append-only, but this query produces "
                                "updates; sink it with CREATE SINK or "
                                "materialize it as a view",
                                target.name));
  }
  rel.plan = p;
  return rel;
}

absl::StatusOr<PlanPtr> StatementBinder::BindInsertValues(
    const ast::InsertStatement& s, const catalog::Entry& target,
    const std::vector<int>& cols) {
  const types::Schema& schema = target.schema;
  auto values = std::make_shared<ValuesNode>();
  values->schema = schema;
  for (const auto& row : s.values) {
    if (row.size() != cols.size()) {
      SourceSpan span =
          row.empty() ? s.span
                      : SourceSpan::Cover(row.front()->span, row.back()->span);
      return SqlError(span,
                      fmt::format("VALUES row has {} values but {} expects {}",
                                  row.size(), target.name, cols.size()));
    }
    // Columns not listed are NULL.
    std::vector<BoundExprPtr> out(schema.size());
    for (size_t i = 0; i < schema.size(); ++i)
      out[i] = expr::MakeLiteral(Value::Null(schema.field(i).type));
    for (size_t i = 0; i < row.size(); ++i) {
      ExprContext ctx{nullptr, Clause::kValues, nullptr, nullptr, nullptr};
      WEIR_ASSIGN_OR_RETURN(BoundExprPtr e, BindExpr(*row[i], ctx));
      WEIR_ASSIGN_OR_RETURN(out[cols[i]],
                            FitColumn(e, schema, cols[i], row[i]->span));
    }
    values->rows.push_back(std::move(out));
  }
  return values;
}

absl::StatusOr<BoundStatement> StatementBinder::BindInsert(
    const ast::InsertStatement& s) {
  WEIR_ASSIGN_OR_RETURN(const catalog::Entry* target, FindInsertTarget(s));
  WEIR_ASSIGN_OR_RETURN(std::vector<int> cols, InsertColumns(s, *target));
  PlanPtr plan;
  std::vector<SourceUse> sources;
  if (s.query) {
    WEIR_ASSIGN_OR_RETURN(BoundRel rel, BindInsertQuery(s, *target, cols));
    plan = rel.plan;
    sources = rel.sources;
  } else {
    WEIR_ASSIGN_OR_RETURN(plan, BindInsertValues(s, *target, cols));
  }
  BoundInsert out;
  out.plan = MakeOutput(plan, OutputKind::kInsert, target->name);
  out.reads = ReadNames(sources);
  out.constant = sources.empty();
  out.target = target->name;
  return BoundStatement{std::move(out)};
}

}  // namespace weir::sql::internal

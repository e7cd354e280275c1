// Scopes, spans and plan helpers shared by the binder's files.

#include <algorithm>
#include <cctype>

#include "engine/base/sql_error.h"
#include "engine/base/strings.h"
#include "engine/expr/functions.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

using expr::BoundExprKind;
using types::TypeId;
using types::Value;

const char* ClauseName(Clause c) {
  switch (c) {
    case Clause::kSelect:
      return "the select list";
    case Clause::kWhere:
      return "WHERE";
    case Clause::kGroupBy:
      return "GROUP BY";
    case Clause::kHaving:
      return "HAVING";
    case Clause::kOn:
      return "a join condition";
    case Clause::kWatermark:
      return "a WATERMARK expression";
    case Clause::kValues:
      return "VALUES";
    case Clause::kOrderBy:
      return "ORDER BY";
    case Clause::kWindowArg:
      return "a window argument";
    case Clause::kLimit:
      return "LIMIT";
    case Clause::kLateness:
      return "ALLOWED LATENESS";
    case Clause::kAggregateArg:
      return "the argument of an aggregate function";
  }
  return "this clause";
}

std::vector<std::string> ColumnNames(const std::vector<ScopeColumn>& cols) {
  std::vector<std::string> names;
  for (const auto& c : cols) names.push_back(c.name);
  return names;
}

types::Schema SchemaOf(const std::vector<ScopeColumn>& cols) {
  types::Schema schema;
  for (const auto& c : cols) schema.Add({c.name, c.type, c.nullable});
  return schema;
}

std::vector<ScopeColumn> ScopeOf(const types::Schema& schema,
                                 const std::string& qualifier) {
  std::vector<ScopeColumn> cols;
  for (const auto& f : schema.fields()) {
    cols.push_back({qualifier, f.name, f.type, f.nullable});
  }
  return cols;
}

absl::Status Annotate(const absl::Status& status, const SourceSpan& span) {
  if (status.ok() || ErrorSpan(status)) return status;
  return SqlError(status.code(), span, std::string(status.message()));
}

BoundExprPtr CastTo(const BoundExprPtr& e, const LogicalType& target) {
  if (e->type == target) return e;
  if (e->kind == BoundExprKind::kLiteral && e->value.is_null()) {
    return expr::MakeLiteral(Value::Null(target), e->span);
  }
  return expr::MakeCast(e, target, false, e->span);
}

bool IsBooleanish(const LogicalType& t) {
  return t.id() == TypeId::kBoolean || t.id() == TypeId::kNull;
}

absl::StatusOr<int64_t> ConstantMicros(const BoundExprPtr& e,
                                       std::string_view what) {
  if (e->type.id() != TypeId::kInterval || !e->IsConstant()) {
    return SqlError(e->span,
                    fmt::format("{} must be a constant INTERVAL, got {}", what,
                                e->type.ToString()));
  }
  absl::StatusOr<Value> v = expr::EvaluateConstant(*e);
  if (!v.ok()) return Annotate(v.status(), e->span);
  if (v->is_null())
    return SqlError(e->span, fmt::format("{} must not be NULL", what));
  if (v->interval().months != 0) {
    return SqlError(
        e->span, fmt::format("{} must be a day-time interval (SECOND, MINUTE, "
                             "HOUR or DAY), not months or years",
                             what));
  }
  return v->interval().micros;
}

std::string FormatMicros(int64_t micros) {
  if (micros != 0 && micros % (3600 * kMicrosPerSecond) == 0) {
    return fmt::format("{}h", micros / (3600 * kMicrosPerSecond));
  }
  if (micros != 0 && micros % (60 * kMicrosPerSecond) == 0) {
    return fmt::format("{}min", micros / (60 * kMicrosPerSecond));
  }
  if (micros % kMicrosPerSecond == 0) {
    return fmt::format("{}s", micros / kMicrosPerSecond);
  }
  if (micros % 1000 == 0) return fmt::format("{}ms", micros / 1000);
  return fmt::format("{}us", micros);
}

namespace {

/// A span for bytes [offset, end) of `source`, with its line and column.
SourceSpan SpanAt(std::string_view source, size_t offset, size_t end) {
  SourceSpan span;
  span.offset = static_cast<uint32_t>(offset);
  span.length = static_cast<uint32_t>(end - offset);
  span.line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < source.size(); ++i) {
    if (source[i] == '\n') {
      ++span.line;
      line_start = i + 1;
    }
  }
  span.column = static_cast<uint32_t>(offset - line_start + 1);
  return span;
}

}  // namespace

SourceSpan ClauseSpan(std::string_view source, const SourceSpan& first,
                      const SourceSpan& last,
                      std::initializer_list<std::string_view> keywords) {
  size_t pos = first.offset;
  std::vector<std::string_view> words(keywords);
  for (auto it = words.rbegin(); it != words.rend(); ++it) {
    while (pos > 0 && std::isspace(static_cast<unsigned char>(source[pos - 1])))
      --pos;
    if (pos < it->size() ||
        !EqualsIgnoreCase(source.substr(pos - it->size(), it->size()), *it)) {
      return SourceSpan::Cover(first, last);
    }
    pos -= it->size();
  }
  return SpanAt(source, pos, last.offset + last.length);
}

bool AggregateNullable(const AggregateCall& a) {
  return !(a.function == "COUNT" || a.function == "COUNT_DISTINCT");
}

void DeriveProjectProps(const PlanNode& input, ProjectNode* p) {
  p->append_only = input.append_only;
  std::vector<int> key;
  for (int k : input.unique_key) {
    int found = -1;
    for (size_t i = 0; i < p->exprs.size(); ++i) {
      if (p->exprs[i]->kind == BoundExprKind::kColumn &&
          p->exprs[i]->column == k) {
        found = static_cast<int>(i);
        break;
      }
    }
    if (found < 0) {
      key.clear();
      break;
    }
    key.push_back(found);
  }
  p->unique_key = key;
  if (input.event_time) {
    for (size_t i = 0; i < p->exprs.size(); ++i) {
      if (p->exprs[i]->kind == BoundExprKind::kColumn &&
          p->exprs[i]->column == *input.event_time) {
        p->event_time = static_cast<int>(i);
        p->watermark_delay = input.watermark_delay;
        break;
      }
    }
  }
}

PlanPtr MakeOutput(const PlanPtr& input, OutputKind kind, std::string target,
                   bool push) {
  auto out = std::make_shared<OutputNode>();
  out->output = kind;
  out->target = std::move(target);
  out->push = push;
  PassThrough(input, out.get());
  return out;
}

PlanPtr MakeSinkOutput(const PlanPtr& input, const catalog::Entry& sink,
                       const catalog::ConnectorRegistry& connectors) {
  auto out = std::make_shared<OutputNode>();
  out->output = OutputKind::kSink;
  out->target = sink.name;
  out->connector = sink.connector;
  out->detail = ConnectorDetail(connectors, sink);
  PassThrough(input, out.get());
  return out;
}

std::vector<std::string> ReadNames(const std::vector<SourceUse>& sources) {
  std::vector<std::string> names;
  for (const auto& s : sources) {
    if (std::find(names.begin(), names.end(), s.name) == names.end())
      names.push_back(s.name);
  }
  return names;
}

}  // namespace weir::sql::internal

// CREATE STREAM/TABLE (columns, metadata columns, PRIMARY KEY, WATERMARK),
// CREATE MATERIALIZED VIEW, CREATE SINK, and their WITH options.

#include <algorithm>
#include <set>

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

using types::TypeId;

namespace {

absl::Status CheckUnqualified(const ast::QualifiedName& name) {
  if (name.parts.size() > 1) {
    return SqlError(name.span,
                    "names cannot be qualified (there are no schemas yet)");
  }
  return absl::OkStatus();
}

std::vector<std::string> FieldNames(const types::Schema& schema) {
  std::vector<std::string> names;
  for (const auto& f : schema.fields()) names.push_back(f.name);
  return names;
}

/// The connector named by the options, lower-cased ("" when none).
std::string ConnectorOf(const catalog::Entry& entry) {
  std::string connector;
  for (const auto& [k, v] : entry.options) {
    if (k == "connector") connector = AsciiLower(v);
  }
  return connector;
}

/// A TABLE is a changelog matched by its key; a STREAM is append-only and
/// has none.
absl::Status CheckKeyRules(const catalog::ConnectorRegistry& connectors,
                           const ast::CreateSourceStatement& s, bool is_table,
                           catalog::Entry* entry) {
  if (is_table) {
    entry->append_only = false;
    const catalog::Connector* c = connectors.Find(entry->connector);
    entry->upsert = c != nullptr && c->info().upsert_table &&
                    c->info().upsert_table(entry->options);
    if (entry->key.empty() && !entry->schema_deferred) {
      return MissingTableKey(connectors, *entry, s.name.span);
    }
    return absl::OkStatus();
  }
  entry->append_only = true;
  if (!entry->key.empty()) {
    SourceSpan span = s.primary_key_span;
    if (s.primary_key.empty()) {
      for (const auto& c : s.columns) {
        if (c.primary_key) {
          span = c.name.span;
          break;
        }
      }
    }
    return SqlError(
        span,
        "a STREAM has no PRIMARY KEY (its rows are never updated); use "
        "CREATE TABLE for a keyed changelog");
  }
  return absl::OkStatus();
}

/// Views and sinks store their columns by name: every column needs one, and
/// names must differ. Errors point at the select item when it is known.
absl::Status CheckViewColumnNames(const types::Schema& schema,
                                  const std::vector<ScopeColumn>& columns,
                                  const SourceSpan& fallback) {
  for (size_t i = 0; i < schema.size(); ++i) {
    const std::string& n = schema.field(i).name;
    SourceSpan span = i < columns.size() && columns[i].span.known()
                          ? columns[i].span
                          : fallback;
    if (n == "?column?") {
      return SqlError(
          span, fmt::format("column {} of the result has no name; give it one "
                            "with AS",
                            i + 1));
    }
    if (schema.CountNamed(n) > 1) {
      for (size_t j = i + 1; j < schema.size() && j < columns.size(); ++j) {
        if (EqualsIgnoreCase(schema.field(j).name, n) &&
            columns[j].span.known()) {
          span = columns[j].span;
          break;
        }
      }
      return SqlError(
          span, fmt::format("the result has two columns named '{}'; rename one "
                            "with AS",
                            n));
    }
  }
  return absl::OkStatus();
}

/// `input` with its columns renamed to `names` (CREATE VIEW v (a, b) AS).
PlanPtr RenameColumns(const PlanPtr& input,
                      const std::vector<ast::Identifier>& names) {
  auto p = std::make_shared<ProjectNode>();
  for (size_t i = 0; i < names.size(); ++i) {
    const auto& f = input->schema.field(i);
    p->exprs.push_back(
        expr::MakeColumn(static_cast<int>(i), f.name, f.type, f.nullable));
    p->schema.Add({names[i].name, f.type, f.nullable});
  }
  p->inputs = {input};
  DeriveProjectProps(*input, p.get());
  return p;
}

}  // namespace

std::string StatementBinder::TextOf(const SourceSpan& span) const {
  return std::string(source_.substr(span.offset, span.length));
}

absl::Status StatementBinder::CheckOptions(
    catalog::OptionUse use, const std::vector<ast::Option>& options,
    const SourceSpan& fallback,
    std::vector<std::pair<std::string, std::string>>* out) {
  std::set<std::string> seen;
  for (const auto& o : options) {
    std::string key = AsciiLower(o.key);
    if (!seen.insert(key).second) {
      return SqlError(o.key_span,
                      fmt::format("option '{}' is given twice", key));
    }
    out->push_back({key, o.value});
  }
  int bad = -1;
  absl::Status s = catalog::ValidateOptions(connectors_, use, *out, &bad);
  if (s.ok()) return s;
  SourceSpan span = fallback;
  if (bad >= 0 && bad < static_cast<int>(options.size())) {
    const std::string& msg = std::string(s.message());
    // Problems with a value point at the value, unknown keys at the key.
    span = (msg.find("unknown option") != std::string::npos ||
            msg.find("given twice") != std::string::npos)
               ? options[bad].key_span
               : options[bad].value_span;
  }
  return SqlError(s.code(), span, std::string(s.message()));
}

absl::Status StatementBinder::BindColumnDefs(
    const ast::CreateSourceStatement& s, catalog::Entry* entry) {
  for (const auto& c : s.columns) {
    if (entry->schema.IndexOf(c.name.name)) {
      return SqlError(c.name.span, fmt::format("column '{}' is declared twice",
                                               c.name.name));
    }
    WEIR_ASSIGN_OR_RETURN(LogicalType t, TypeFromName(c.type));
    entry->schema.Add({c.name.name, t, !c.not_null && !c.primary_key});
  }
  return absl::OkStatus();
}

absl::Status StatementBinder::BindPrimaryKey(
    const ast::CreateSourceStatement& s, catalog::Entry* entry) {
  std::vector<const ast::Identifier*> pk;
  for (const auto& c : s.columns) {
    if (c.primary_key) pk.push_back(&c.name);
  }
  if (!pk.empty() && !s.primary_key.empty()) {
    return SqlError(s.primary_key_span,
                    "the PRIMARY KEY is declared twice (inline and as a "
                    "table constraint)");
  }
  for (const auto& id : s.primary_key) pk.push_back(&id);
  std::vector<types::Field> fields = entry->schema.fields();
  for (const auto* id : pk) {
    std::optional<size_t> idx = entry->schema.IndexOf(id->name);
    if (!idx) {
      return SqlError(
          id->span,
          fmt::format("PRIMARY KEY column '{}' is not a column of {}{}",
                      id->name, entry->name,
                      DidYouMean(id->name, FieldNames(entry->schema))));
    }
    if (std::find(entry->key.begin(), entry->key.end(),
                  static_cast<int>(*idx)) != entry->key.end()) {
      return SqlError(
          id->span,
          fmt::format("column '{}' is listed twice in the PRIMARY KEY",
                      id->name));
    }
    entry->key.push_back(static_cast<int>(*idx));
    fields[*idx].nullable = false;
  }
  entry->schema = types::Schema(fields);
  return absl::OkStatus();
}

absl::Status StatementBinder::BindWatermark(const ast::WatermarkDef& w,
                                            catalog::Entry* entry) {
  std::optional<size_t> idx = entry->schema.IndexOf(w.column.name);
  if (!idx) {
    return SqlError(
        w.column.span,
        fmt::format("WATERMARK FOR names unknown column '{}'{}", w.column.name,
                    DidYouMean(w.column.name, FieldNames(entry->schema))));
  }
  const types::Field& f = entry->schema.field(*idx);
  if (f.type.id() != TypeId::kTimestamp) {
    return SqlError(
        w.column.span,
        fmt::format("WATERMARK FOR needs a TIMESTAMP column; '{}' is {}",
                    f.name, f.type.ToString()));
  }
  std::vector<ScopeColumn> scope = ScopeOf(entry->schema, entry->name);
  ExprContext ctx{&scope, Clause::kWatermark, nullptr, nullptr, nullptr};
  WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*w.expr, ctx));
  if (b->type.id() != TypeId::kTimestamp) {
    return SqlError(w.expr->span,
                    fmt::format("the WATERMARK expression must be a TIMESTAMP, "
                                "got {}",
                                b->type.ToString()));
  }
  if (b->IsConstant()) {
    return SqlError(w.expr->span,
                    "the WATERMARK expression must depend on the row's time "
                    "column, as in date_time - INTERVAL '5' SECOND");
  }
  catalog::WatermarkInfo info;
  info.column = static_cast<int>(*idx);
  info.expr_text = TextOf(w.expr->span);
  if (auto t = TimeOperand(b); t && t->first == info.column) {
    if (t->second > 0) {
      return SqlError(w.expr->span,
                      "the watermark must not run ahead of the time column "
                      "(use col - INTERVAL ..., not col + INTERVAL ...)");
    }
    info.delay_micros = -t->second;
  }
  entry->watermark = info;
  return absl::OkStatus();
}

absl::StatusOr<BoundStatement> StatementBinder::BindCreateSource(
    const ast::CreateSourceStatement& s) {
  bool is_table = s.source_kind == ast::SourceKind::kTable;
  catalog::Entry entry;
  entry.name = s.name.ToString();
  entry.kind =
      is_table ? catalog::EntryKind::kTable : catalog::EntryKind::kStream;
  entry.ddl = TextOf(s.span);
  WEIR_RETURN_IF_ERROR(CheckUnqualified(s.name));
  WEIR_RETURN_IF_ERROR(CheckOptions(
      is_table ? catalog::OptionUse::kTableSource : catalog::OptionUse::kSource,
      s.options, s.options_span.known() ? s.options_span : s.span,
      &entry.options));
  entry.connector = ConnectorOf(entry);
  WEIR_RETURN_IF_ERROR(BindColumnDefs(s, &entry));
  if (s.columns.empty()) {
    WEIR_RETURN_IF_ERROR(DefaultSourceSchema(connectors_, context_, s.name.span,
                                             is_table, &entry));
  }
  for (size_t i = 0; i < s.columns.size(); ++i) {
    if (!s.columns[i].metadata_key) continue;
    WEIR_RETURN_IF_ERROR(
        BindMetadataColumn(connectors_, s.columns[i], i, &entry));
  }
  WEIR_RETURN_IF_ERROR(BindPrimaryKey(s, &entry));
  WEIR_RETURN_IF_ERROR(CheckKeyRules(connectors_, s, is_table, &entry));
  if (s.watermark) {
    WEIR_RETURN_IF_ERROR(BindWatermark(*s.watermark, &entry));
  }
  BoundCreateSource out;
  out.entry = std::move(entry);
  out.name_span = s.name.span;
  out.if_not_exists = s.if_not_exists;
  out.or_replace = s.or_replace;
  return BoundStatement{std::move(out)};
}

absl::StatusOr<BoundStatement> StatementBinder::BindCreateView(
    const ast::CreateViewStatement& s) {
  WEIR_RETURN_IF_ERROR(CheckUnqualified(s.name));
  WEIR_ASSIGN_OR_RETURN(BoundRel rel, BindQuery(*s.query, QueryUse::kView));
  PlanPtr plan = rel.plan;
  if (!s.column_names.empty()) {
    if (s.column_names.size() != plan->schema.size()) {
      return SqlError(
          s.name.span,
          fmt::format("the view names {} columns but its query has {}",
                      s.column_names.size(), plan->schema.size()));
    }
    plan = RenameColumns(plan, s.column_names);
  }
  WEIR_RETURN_IF_ERROR(CheckViewColumnNames(
      plan->schema,
      s.column_names.empty() ? rel.columns : std::vector<ScopeColumn>{},
      s.query->span));
  std::string name = s.name.ToString();
  for (const auto& src : rel.sources) {
    if (EqualsIgnoreCase(src.name, name)) {
      return SqlError(src.span, "a view cannot read itself");
    }
  }
  catalog::Entry entry;
  entry.name = name;
  entry.kind = catalog::EntryKind::kView;
  entry.schema = plan->schema;
  entry.key = plan->unique_key;
  entry.append_only = plan->append_only;
  entry.query_text = s.query_text;
  entry.depends_on = ReadNames(rel.sources);
  entry.ddl = TextOf(s.span);
  if (!s.options.empty()) {
    // WITH (sink = ...): checked now as CREATE SINK ... FROM the view
    // checks its options, so nothing is created when they are wrong; the
    // session creates the sink once the view runs.
    std::optional<std::vector<ast::Option>> sink = ViewSinkOptions(s.options);
    if (!sink) {
      return SqlError(
          s.options.front().key_span,
          "a materialized view takes WITH options only to write it out: "
          "sink = '<connector>' (e.g. 'mysql') and that sink's options; or "
          "use CREATE SINK ... FROM the view");
    }
    catalog::Entry sink_entry;
    sink_entry.name = ViewSinkName(name);
    sink_entry.kind = catalog::EntryKind::kSink;
    WEIR_RETURN_IF_ERROR(CheckOptions(catalog::OptionUse::kSink, *sink,
                                      s.options.front().key_span,
                                      &sink_entry.options));
    sink_entry.connector = ConnectorOf(sink_entry);
    WEIR_RETURN_IF_ERROR(CheckSinkInput(connectors_, sink_entry, *plan,
                                        s.options.front().key_span));
    if (const catalog::Entry* taken = catalog_.Find(sink_entry.name);
        taken != nullptr && !s.if_not_exists) {
      return SqlError(s.name.span,
                      fmt::format("the view's sink would be named '{}', which "
                                  "exists already; use CREATE SINK ... FROM "
                                  "the view with another name",
                                  sink_entry.name));
    }
    for (const ast::Option& o : s.options)
      entry.options.emplace_back(o.key, o.value);
  }
  if (plan->event_time) {
    catalog::WatermarkInfo w;
    w.column = *plan->event_time;
    w.delay_micros = plan->watermark_delay;
    w.expr_text = "(inherited)";
    entry.watermark = w;
  }
  BoundCreateView out;
  out.entry = std::move(entry);
  out.name_span = s.name.span;
  out.if_not_exists = s.if_not_exists;
  out.or_replace = s.or_replace;
  out.plan = MakeOutput(plan, OutputKind::kMaterialize, name);
  return BoundStatement{std::move(out)};
}

absl::StatusOr<BoundStatement> StatementBinder::BindCreateSink(
    const ast::CreateSinkStatement& s) {
  catalog::Entry entry;
  entry.name = s.name.ToString();
  entry.kind = catalog::EntryKind::kSink;
  entry.ddl = TextOf(s.span);
  WEIR_RETURN_IF_ERROR(CheckOptions(
      catalog::OptionUse::kSink, s.options,
      s.options_span.known() ? s.options_span : s.span, &entry.options));
  entry.connector = ConnectorOf(entry);
  // The input: a named source or view, or a query.
  BoundRel rel;
  if (s.from) {
    ast::NamedTableRef ref;
    ref.name = *s.from;
    ref.span = s.from->span;
    WEIR_ASSIGN_OR_RETURN(rel, BindNamedTable(ref));
    entry.query_text = fmt::format("SELECT * FROM {}", s.from->ToString());
  } else {
    WEIR_ASSIGN_OR_RETURN(rel, BindQuery(*s.query, QueryUse::kSink));
    entry.query_text = s.query_text;
  }
  const PlanPtr& plan = rel.plan;
  WEIR_RETURN_IF_ERROR(CheckSinkInput(connectors_, entry, *plan,
                                      s.from ? s.from->span : s.query->span));
  if (!s.from) {
    WEIR_RETURN_IF_ERROR(
        CheckViewColumnNames(plan->schema, rel.columns, s.query->span));
  }
  entry.schema = plan->schema;
  entry.key = plan->unique_key;
  entry.append_only = plan->append_only;
  entry.depends_on = ReadNames(rel.sources);
  BoundCreateSink out;
  out.plan = MakeSinkOutput(plan, entry, connectors_);
  out.entry = std::move(entry);
  out.name_span = s.name.span;
  out.if_not_exists = s.if_not_exists;
  return BoundStatement{std::move(out)};
}

}  // namespace weir::sql::internal

namespace weir::sql {

std::optional<std::vector<ast::Option>> ViewSinkOptions(
    const std::vector<ast::Option>& view_options) {
  std::vector<ast::Option> out = view_options;
  bool found = false;
  for (ast::Option& o : out) {
    if (EqualsIgnoreCase(o.key, "sink")) {
      o.key = "connector";
      found = true;
    }
  }
  if (!found) return std::nullopt;
  return out;
}

std::string ViewSinkName(std::string_view view) {
  return std::string(view) + "_sink";
}

}  // namespace weir::sql

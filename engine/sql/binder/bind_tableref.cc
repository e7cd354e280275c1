// FROM items: named streams, tables and views, subqueries, and the window
// table functions TUMBLE, HOP, CUMULATE and SESSION.

#include "engine/base/sql_error.h"
#include "engine/base/status.h"
#include "engine/base/strings.h"
#include "engine/base/suggest.h"
#include "engine/sql/binder/binder_internal.h"
#include "fmt/format.h"

namespace weir::sql::internal {

using types::TypeId;

absl::StatusOr<BoundRel> StatementBinder::BindTableRef(
    const ast::TableRef& ref) {
  switch (ref.kind) {
    case ast::TableRefKind::kNamed:
      return BindNamedTable(static_cast<const ast::NamedTableRef&>(ref));
    case ast::TableRefKind::kSubquery: {
      const auto& sub = static_cast<const ast::SubqueryRef&>(ref);
      WEIR_ASSIGN_OR_RETURN(BoundRel rel,
                            BindQuery(*sub.query, QueryUse::kSubquery));
      std::string qualifier = ref.alias ? ref.alias->name : "";
      for (auto& c : rel.columns) c.qualifier = qualifier;
      return rel;
    }
    case ast::TableRefKind::kWindow:
      return BindWindow(static_cast<const ast::WindowTableRef&>(ref));
    case ast::TableRefKind::kJoin:
      return BindJoin(static_cast<const ast::JoinRef&>(ref), nullptr, nullptr);
  }
  return SqlError(ref.span, "unsupported FROM item");
}

absl::StatusOr<BoundRel> StatementBinder::BindNamedTable(
    const ast::NamedTableRef& ref) {
  std::string name = ref.name.ToString();
  const catalog::Entry* entry = catalog_.Find(name);
  if (entry == nullptr) {
    std::vector<std::string> names;
    for (auto kind : {catalog::EntryKind::kStream, catalog::EntryKind::kTable,
                      catalog::EntryKind::kView}) {
      for (const auto* e : catalog_.List(kind)) names.push_back(e->name);
    }
    return SqlError(absl::StatusCode::kNotFound, ref.name.span,
                    fmt::format("unknown stream, table or view '{}'{}", name,
                                DidYouMean(name, names)));
  }
  if (entry->kind == catalog::EntryKind::kSink) {
    return SqlError(
        ref.name.span,
        fmt::format("'{}' is a SINK: it writes out and cannot be read; "
                    "read the view or stream it comes from",
                    entry->name));
  }
  WEIR_RETURN_IF_ERROR(CheckReadable(connectors_, *entry, ref.name.span));
  auto scan = std::make_shared<ScanNode>();
  scan->source = entry->name;
  scan->source_kind = entry->kind;
  scan->connector = entry->connector;
  scan->schema = entry->schema;
  scan->unique_key = entry->key;
  scan->append_only = entry->append_only;
  scan->upsert = entry->upsert;
  if (entry->watermark) {
    scan->event_time = entry->watermark->column;
    scan->watermark_delay = entry->watermark->delay_micros;
  }
  if (entry->kind != catalog::EntryKind::kView) {
    scan->detail = ConnectorDetail(connectors_, *entry);
  }
  BoundRel rel;
  std::string qualifier = ref.alias ? ref.alias->name : entry->name;
  rel.columns = ScopeOf(entry->schema, qualifier);
  rel.plan = scan;
  rel.sources.push_back({entry->name, entry->kind, ref.name.span});
  return rel;
}

namespace {

const char* WindowFnName(ast::WindowKind kind) {
  switch (kind) {
    case ast::WindowKind::kTumble:
      return "TUMBLE";
    case ast::WindowKind::kHop:
      return "HOP";
    case ast::WindowKind::kCumulate:
      return "CUMULATE";
    case ast::WindowKind::kSession:
      break;
  }
  return "SESSION";
}

/// The window node's size, slide and offset from its arguments (in written
/// order), checked against each other.
absl::Status SetWindowExtent(const ast::WindowTableRef& ref,
                             const std::vector<int64_t>& micros,
                             WindowNode* node) {
  if (node->fn == WindowFn::kTumble) {
    node->size_micros = micros[0];
    if (micros.size() > 1) node->offset_micros = micros[1];
  } else if (node->fn == WindowFn::kHop || node->fn == WindowFn::kCumulate) {
    const bool hop = node->fn == WindowFn::kHop;
    node->slide_micros = micros[0];
    node->size_micros = micros[1];
    if (micros.size() > 2) node->offset_micros = micros[2];
    if (node->size_micros % node->slide_micros != 0) {
      return SqlError(
          ref.args[1]->span,
          fmt::format("the {} ({}) must be a whole multiple of the {} ({})",
                      hop ? "HOP size" : "CUMULATE max size",
                      FormatMicros(node->size_micros), hop ? "slide" : "step",
                      FormatMicros(node->slide_micros)));
    }
  } else {
    node->size_micros = micros[0];
  }
  if (node->offset_micros != 0 && (node->offset_micros >= node->size_micros ||
                                   node->offset_micros <= -node->size_micros)) {
    return SqlError(ref.args.back()->span,
                    "the window offset must be smaller than the window size");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<int64_t>> StatementBinder::BindWindowArgs(
    const ast::WindowTableRef& ref) {
  const bool two_sizes = ref.window == ast::WindowKind::kHop ||
                         ref.window == ast::WindowKind::kCumulate;
  size_t want_min = two_sizes ? 2 : 1;
  size_t want_max = ref.window == ast::WindowKind::kSession ? 1 : want_min + 1;
  if (ref.args.size() < want_min || ref.args.size() > want_max) {
    const char* usage = ref.window == ast::WindowKind::kTumble
                            ? "TUMBLE(source, time_column, size [, offset])"
                        : ref.window == ast::WindowKind::kHop
                            ? "HOP(source, time_column, slide, size [, offset])"
                        : ref.window == ast::WindowKind::kCumulate
                            ? "CUMULATE(source, time_column, step, max_size "
                              "[, offset])"
                            : "SESSION(source, time_column, gap)";
    return SqlError(ref.name_span,
                    fmt::format("wrong number of arguments: {}", usage));
  }
  ExprContext ctx{nullptr, Clause::kWindowArg, nullptr, nullptr, nullptr};
  std::vector<int64_t> micros;
  for (size_t i = 0; i < ref.args.size(); ++i) {
    WEIR_ASSIGN_OR_RETURN(BoundExprPtr b, BindExpr(*ref.args[i], ctx));
    std::string what = "the window size";
    if (ref.window == ast::WindowKind::kHop && i == 0) what = "the HOP slide";
    if (ref.window == ast::WindowKind::kCumulate) {
      what = i == 0 ? "the CUMULATE step" : "the CUMULATE max size";
    }
    if (ref.window == ast::WindowKind::kSession) what = "the session gap";
    if (i + 1 == want_max && i + 1 > want_min) what = "the window offset";
    WEIR_ASSIGN_OR_RETURN(int64_t m, ConstantMicros(b, what));
    if (what != "the window offset" && m <= 0) {
      return SqlError(ref.args[i]->span,
                      fmt::format("{} must be positive", what));
    }
    micros.push_back(m);
  }
  return micros;
}

absl::StatusOr<BoundRel> StatementBinder::BindWindow(
    const ast::WindowTableRef& ref) {
  WEIR_ASSIGN_OR_RETURN(BoundRel input, BindTableRef(*ref.input));
  const char* fn_name = WindowFnName(ref.window);
  // The time column.
  int time_col = -1;
  for (size_t i = 0; i < input.columns.size(); ++i) {
    if (EqualsIgnoreCase(input.columns[i].name, ref.time_column.name))
      time_col = static_cast<int>(i);
  }
  if (time_col < 0) {
    return SqlError(
        ref.time_column.span,
        fmt::format(
            "unknown column '{}' for {}{}", ref.time_column.name, fn_name,
            DidYouMean(ref.time_column.name, ColumnNames(input.columns))));
  }
  const ScopeColumn& tc = input.columns[time_col];
  if (tc.type.id() != TypeId::kTimestamp) {
    return SqlError(ref.time_column.span,
                    fmt::format("{} needs a TIMESTAMP time column; '{}' is {}",
                                fn_name, tc.name, tc.type.ToString()));
  }
  WEIR_ASSIGN_OR_RETURN(std::vector<int64_t> micros, BindWindowArgs(ref));
  auto node = std::make_shared<WindowNode>();
  node->fn = ref.window == ast::WindowKind::kTumble     ? WindowFn::kTumble
             : ref.window == ast::WindowKind::kHop      ? WindowFn::kHop
             : ref.window == ast::WindowKind::kCumulate ? WindowFn::kCumulate
                                                        : WindowFn::kSession;
  node->time_column = time_col;
  WEIR_RETURN_IF_ERROR(SetWindowExtent(ref, micros, node.get()));
  const PlanNode& in = *input.plan;
  node->inputs = {input.plan};
  node->schema = in.schema;
  LogicalType wtype = tc.type;
  node->schema.Add({"window_start", wtype, false});
  node->schema.Add({"window_end", wtype, false});
  node->append_only = in.append_only;
  // A tumbling window puts each row in one window, so the input's key still
  // identifies rows; a hopping window copies a row into several windows, so
  // window_start joins the key (a cumulating window copies a row into
  // windows of one start and several ends, so window_end joins it);
  // session windows merge, so no key survives.
  if (node->fn == WindowFn::kTumble) {
    node->unique_key = in.unique_key;
  } else if (node->fn == WindowFn::kHop && !in.unique_key.empty()) {
    node->unique_key = in.unique_key;
    node->unique_key.push_back(static_cast<int>(in.schema.size()));
  } else if (node->fn == WindowFn::kCumulate && !in.unique_key.empty()) {
    node->unique_key = in.unique_key;
    node->unique_key.push_back(static_cast<int>(in.schema.size()) + 1);
  }
  node->event_time = in.event_time;
  node->watermark_delay = in.watermark_delay;
  // The relation: the input's columns, then window_start and window_end.
  BoundRel rel;
  rel.plan = node;
  rel.sources = input.sources;
  std::string qualifier = ref.alias               ? ref.alias->name
                          : input.columns.empty() ? std::string()
                                                  : input.columns[0].qualifier;
  rel.columns = input.columns;
  if (ref.alias) {
    for (auto& c : rel.columns) c.qualifier = ref.alias->name;
  }
  rel.columns.push_back({qualifier, "window_start", wtype, false});
  rel.columns.push_back({qualifier, "window_end", wtype, false});
  rel.window_start = static_cast<int>(in.schema.size());
  rel.window_end = static_cast<int>(in.schema.size()) + 1;
  rel.window_fn = node->fn;
  rel.window_has_watermark = in.event_time && *in.event_time == time_col;
  rel.window_time_name = tc.name;
  return rel;
}

}  // namespace weir::sql::internal

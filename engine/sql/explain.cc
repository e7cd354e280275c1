#include "engine/sql/explain.h"

#include <type_traits>
#include <variant>

#include "engine/base/check.h"
#include "engine/base/strings.h"
#include "engine/catalog/connector_options.h"
#include "engine/catalog/connector_registry.h"
#include "fmt/format.h"

namespace weir::sql {
namespace {

std::string Micros(int64_t micros) {
  constexpr int64_t kSecond = 1000000;
  const char* sign = micros < 0 ? "-" : "";
  int64_t m = micros < 0 ? -micros : micros;
  if (m != 0 && m % (86400 * kSecond) == 0)
    return fmt::format("{}{}d", sign, m / (86400 * kSecond));
  if (m != 0 && m % (3600 * kSecond) == 0)
    return fmt::format("{}{}h", sign, m / (3600 * kSecond));
  if (m != 0 && m % (60 * kSecond) == 0)
    return fmt::format("{}{}min", sign, m / (60 * kSecond));
  if (m % kSecond == 0) return fmt::format("{}{}s", sign, m / kSecond);
  if (m % 1000 == 0) return fmt::format("{}{}ms", sign, m / 1000);
  return fmt::format("{}{}us", sign, m);
}

std::string Names(const types::Schema& schema, const std::vector<int>& cols) {
  std::vector<std::string> names;
  for (int c : cols) names.push_back(schema.field(c).name);
  return JoinStrings(names, ", ");
}

std::string Exprs(const std::vector<expr::BoundExprPtr>& exprs) {
  std::vector<std::string> parts;
  for (const auto& e : exprs) parts.push_back(e->ToString());
  return JoinStrings(parts, ", ");
}

const char* JoinTypeName(int t) {
  switch (t) {
    case 0:
      return "INNER";
    case 1:
      return "LEFT";
    case 2:
      return "RIGHT";
    case 3:
      return "FULL";
    default:
      return "CROSS";
  }
}

const char* WindowName(WindowFn fn) {
  switch (fn) {
    case WindowFn::kTumble:
      return "TUMBLE";
    case WindowFn::kHop:
      return "HOP";
    case WindowFn::kCumulate:
      return "CUMULATE";
    case WindowFn::kSession:
      return "SESSION";
  }
  return "?";
}

/// The operator line: name and arguments.
std::string Headline(const PlanNode& n) {
  switch (n.kind) {
    case PlanKind::kScan: {
      const auto& s = static_cast<const ScanNode&>(n);
      std::string kind = s.source_kind == catalog::EntryKind::kStream ? "stream"
                         : s.source_kind == catalog::EntryKind::kTable ? "table"
                                                                       : "view";
      std::string what = s.connector.empty() ? kind : kind + ", " + s.connector;
      if (!s.detail.empty()) what += " " + s.detail;
      return fmt::format("Scan {} [{}]", s.source, what);
    }
    case PlanKind::kValues: {
      const auto& v = static_cast<const ValuesNode&>(n);
      std::vector<std::string> rows;
      for (const auto& r : v.rows) rows.push_back("(" + Exprs(r) + ")");
      if (rows.size() > 5) {
        size_t more = rows.size() - 4;
        rows.resize(4);
        rows.push_back(fmt::format("... {} more", more));
      }
      return fmt::format("Values {}", JoinStrings(rows, ", "));
    }
    case PlanKind::kFilter:
      return fmt::format(
          "Filter {}", static_cast<const FilterNode&>(n).predicate->ToString());
    case PlanKind::kProject: {
      const auto& p = static_cast<const ProjectNode&>(n);
      std::vector<std::string> parts;
      for (size_t i = 0; i < p.exprs.size(); ++i) {
        std::string e = p.exprs[i]->ToString();
        const std::string& name = p.schema.field(i).name;
        parts.push_back(e == name ? e : fmt::format("{} AS {}", e, name));
      }
      return fmt::format("Project {}", JoinStrings(parts, ", "));
    }
    case PlanKind::kWindow: {
      const auto& w = static_cast<const WindowNode&>(n);
      const std::string& time = n.inputs[0]->schema.field(w.time_column).name;
      std::string args;
      if (w.fn == WindowFn::kHop) {
        args = fmt::format("slide {}, size {}", Micros(w.slide_micros),
                           Micros(w.size_micros));
      } else if (w.fn == WindowFn::kCumulate) {
        args = fmt::format("step {}, max size {}", Micros(w.slide_micros),
                           Micros(w.size_micros));
      } else if (w.fn == WindowFn::kSession) {
        args = fmt::format("gap {}", Micros(w.size_micros));
      } else {
        args = fmt::format("size {}", Micros(w.size_micros));
      }
      if (w.offset_micros != 0)
        args += fmt::format(", offset {}", Micros(w.offset_micros));
      return fmt::format("Window {}({}, {})", WindowName(w.fn), time, args);
    }
    case PlanKind::kAggregate: {
      const auto& a = static_cast<const AggregateNode&>(n);
      std::vector<std::string> aggs;
      for (size_t i = 0; i < a.aggregates.size(); ++i)
        aggs.push_back(a.aggregates[i].display);
      std::string head =
          a.window_start_group
              ? fmt::format("WindowAggregate {}", WindowName(a.window_fn))
              : std::string("Aggregate");
      std::string groups =
          a.groups.empty() ? "()" : "[" + Exprs(a.groups) + "]";
      std::string out = fmt::format("{} group by {}", head, groups);
      if (!aggs.empty())
        out += fmt::format(" compute [{}]", JoinStrings(aggs, ", "));
      if (a.emit == EmitPolicy::kOnWindowClose) out += " emit on window close";
      if (a.allowed_lateness_micros > 0) {
        out += fmt::format(" allowed lateness {}",
                           Micros(a.allowed_lateness_micros));
      }
      return out;
    }
    case PlanKind::kJoin: {
      const auto& j = static_cast<const JoinNode&>(n);
      const PlanNode& l = *n.inputs[0];
      const PlanNode& r = *n.inputs[1];
      std::string out = fmt::format(
          "{}Join {}", j.join_kind == JoinKind::kInterval ? "Interval" : "",
          JoinTypeName(j.join_type));
      if (!j.equi_keys.empty()) {
        std::vector<std::string> keys;
        for (auto [lc, rc] : j.equi_keys) {
          keys.push_back(fmt::format("{} = {}", l.schema.field(lc).name,
                                     r.schema.field(rc).name));
        }
        out += fmt::format(" on [{}]", JoinStrings(keys, ", "));
      }
      if (j.join_kind == JoinKind::kInterval) {
        out += fmt::format(" time {} - {} in [{}, {}]",
                           l.schema.field(j.left_time).name,
                           r.schema.field(j.right_time).name,
                           Micros(j.lower_micros), Micros(j.upper_micros));
      }
      if (j.condition) out += fmt::format(" where {}", j.condition->ToString());
      return out;
    }
    case PlanKind::kRank: {
      const auto& r = static_cast<const RankNode&>(n);
      const char* fn = r.fn == RankFn::kRowNumber ? "ROW_NUMBER"
                       : r.fn == RankFn::kRank    ? "RANK"
                                                  : "DENSE_RANK";
      std::vector<std::string> order;
      for (size_t i = 0; i < r.order_by.size(); ++i) {
        order.push_back(r.order_by[i]->ToString() +
                        (r.descending[i] ? " DESC" : ""));
      }
      return fmt::format("TopN {} <= {} partition by [{}] order by [{}]", fn,
                         r.limit, Exprs(r.partition_by),
                         JoinStrings(order, ", "));
    }
    case PlanKind::kSort: {
      const auto& s = static_cast<const SortNode&>(n);
      std::vector<std::string> keys;
      for (size_t i = 0; i < s.keys.size(); ++i) {
        keys.push_back(
            s.keys[i]->ToString() + (s.descending[i] ? " DESC" : "") +
            (s.nulls_first[i] != s.descending[i]
                 ? (s.nulls_first[i] ? " NULLS FIRST" : " NULLS LAST")
                 : ""));
      }
      return fmt::format("Sort [{}]", JoinStrings(keys, ", "));
    }
    case PlanKind::kLimit:
      return fmt::format("Limit {}", static_cast<const LimitNode&>(n).limit);
    case PlanKind::kUnion:
      return static_cast<const UnionNode&>(n).all ? "Union all"
                                                  : "Union distinct";
    case PlanKind::kOutput: {
      const auto& o = static_cast<const OutputNode&>(n);
      switch (o.output) {
        case OutputKind::kClient:
          return o.push ? "PushToClient" : "PullResult";
        case OutputKind::kMaterialize:
          return fmt::format("Materialize {}", o.target);
        case OutputKind::kSink: {
          std::string what = o.connector;
          if (!o.detail.empty()) what += " " + o.detail;
          return fmt::format("Sink {} [{}]", o.target, what);
        }
        case OutputKind::kInsert:
          return fmt::format("InsertInto {}", o.target);
      }
    }
  }
  return PlanKindName(n.kind);
}

/// The window under windowed aggregate `a` (through filters and
/// projections), or null.
const WindowNode* WindowUnder(const AggregateNode& a) {
  const PlanNode* in = a.inputs[0].get();
  while (in->kind == PlanKind::kFilter || in->kind == PlanKind::kProject)
    in = in->inputs[0].get();
  return in->kind == PlanKind::kWindow ? static_cast<const WindowNode*>(in)
                                       : nullptr;
}

/// Why the state of the windows of `w` is never dropped.
std::string NoWindowWatermark(const WindowNode* w) {
  if (w == nullptr || !w->event_time || w->time_column < 0)
    return "never dropped: the window's time column has no watermark";
  return fmt::format(
      "never dropped: the window's time column {} has no watermark (the "
      "watermark is on {})",
      w->schema.field(static_cast<size_t>(w->time_column)).name,
      w->schema.field(static_cast<size_t>(*w->event_time)).name);
}

/// What the operator keeps between rows, or "" for stateless operators.
using catalog::ConnectorRegistry;

std::string StateOf(const PlanNode& n, const ConnectorRegistry& connectors) {
  switch (n.kind) {
    case PlanKind::kAggregate: {
      const auto& a = static_cast<const AggregateNode&>(n);
      std::vector<std::string> per;
      for (const auto& c : a.aggregates) {
        // Without retractions MIN/MAX need only the current extreme; a
        // retracting one must remember every value to find the next.
        bool extreme = c.function == "MIN" || c.function == "MAX";
        per.push_back(extreme && !a.retracting ? "current value" : c.state);
      }
      std::string what =
          per.empty() ? "the group (distinct rows)" : JoinStrings(per, ", ");
      const std::string retracts =
          a.retracting ? "; input is a changelog, so values are retracted" : "";
      if (!a.window_start_group)
        return fmt::format("per group: {}; kept for every group (no expiry)",
                           what) +
               retracts;
      // Windows close as the watermark passes them only when it is on the
      // window's own time column (as the runtime decides, window.h).
      const WindowNode* w = WindowUnder(a);
      const bool closes =
          w != nullptr && w->event_time && *w->event_time == w->time_column;
      const std::string lateness =
          a.allowed_lateness_micros > 0
              ? " + " + Micros(a.allowed_lateness_micros)
              : "";
      std::string expiry =
          closes ? "dropped when the watermark passes window_end" + lateness
                 : NoWindowWatermark(w);
      if (a.window_fn != WindowFn::kSession)
        return fmt::format("per group: {}; {}", what, expiry) + retracts;
      std::vector<int> keys;
      for (size_t g = 0; g < a.groups.size(); ++g) {
        const int i = static_cast<int>(g);
        if (i != *a.window_start_group && i != *a.window_end_group)
          keys.push_back(i);
      }
      if (closes) {
        expiry = "each dropped when the watermark passes its end" + lateness;
      }
      return fmt::format("open sessions per [{}], each with {}; {}",
                         Names(a.schema, keys), what, expiry) +
             retracts;
    }
    case PlanKind::kJoin: {
      const auto& j = static_cast<const JoinNode&>(n);
      if (j.join_kind == JoinKind::kInterval) {
        return "rows of both sides within the time bounds; dropped as the "
               "watermark passes";
      }
      std::vector<std::string> lk, rk;
      for (auto [l, r] : j.equi_keys) {
        lk.push_back(n.inputs[0]->schema.field(l).name);
        rk.push_back(n.inputs[1]->schema.field(r).name);
      }
      return fmt::format(
          "left rows by [{}], right rows by [{}]; kept until deleted (no "
          "expiry)",
          JoinStrings(lk, ", "), JoinStrings(rk, ", "));
    }
    case PlanKind::kRank: {
      const auto& r = static_cast<const RankNode&>(n);
      return n.inputs[0]->append_only
                 ? fmt::format("the top {} rows per partition", r.limit)
                 : "all rows per partition (changelog input: a deleted row is "
                   "replaced by the "
                   "next one)";
    }
    case PlanKind::kUnion:
      return static_cast<const UnionNode&>(n).all ? ""
                                                  : "a count per distinct row";
    case PlanKind::kLimit:
      return "rows emitted so far";
    case PlanKind::kSort:
      return "";
    case PlanKind::kOutput: {
      const auto& o = static_cast<const OutputNode&>(n);
      if (o.output != OutputKind::kMaterialize) return "";
      if (n.unique_key.empty()) {
        return n.append_only
                   ? "every row of the view (no key: grows with its input)"
                   : "every row of the view with a count (no key)";
      }
      return fmt::format("the view's rows by key [{}]",
                         Names(n.schema, n.unique_key));
    }
    case PlanKind::kScan: {
      const auto& s = static_cast<const ScanNode&>(n);
      const catalog::Connector* c = connectors.Find(s.connector);
      return c == nullptr ? "" : c->ScanState(s.source_kind);
    }
    default:
      return "";
  }
}

std::string WatermarkText(const PlanNode& n) {
  if (!n.event_time) return "";
  std::string wm = n.schema.field(*n.event_time).name;
  if (n.watermark_delay) wm += fmt::format(" - {}", Micros(*n.watermark_delay));
  return wm;
}

/// Prints one operator and its inputs. Detail lines repeat only what an
/// operator changes: the schema and the watermark are shown where they
/// differ from the (first) input's, so a long plan stays readable.
void Render(const PlanNode& n, const ConnectorRegistry& connectors, int depth,
            std::string* out) {
  std::string pad(depth * 3, ' ');
  *out += fmt::format("{}-> {}\n", pad, Headline(n));
  std::string detail = pad + "     ";
  const PlanNode* input = n.inputs.empty() ? nullptr : n.inputs[0].get();
  bool same_schema = input != nullptr && input->schema == n.schema;
  std::string props = same_schema ? "out: (as input)"
                                  : fmt::format("out: {}", n.schema.ToString());
  if (!n.unique_key.empty())
    props += fmt::format(" key [{}]", Names(n.schema, n.unique_key));
  props += n.append_only ? " append-only" : " changelog";
  *out += detail + props + "\n";
  std::string wm = WatermarkText(n);
  if (!wm.empty() && (input == nullptr || WatermarkText(*input) != wm)) {
    *out += detail + "watermark: " + wm + "\n";
  }
  std::string state = StateOf(n, connectors);
  if (!state.empty()) *out += detail + "state: " + state + "\n";
  for (const auto& in : n.inputs) Render(*in, connectors, depth + 1, out);
}

}  // namespace

std::string ExplainPlan(const PlanPtr& plan,
                        const catalog::ConnectorRegistry& connectors) {
  std::string out;
  Render(*plan, connectors, 0, &out);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

namespace {

/// EXPLAIN CREATE STREAM/TABLE: the source as it would be added.
std::string ExplainSource(const catalog::Entry& e,
                          const ConnectorRegistry& connectors) {
  std::string out = fmt::format(
      "-> Source {} [{}, {}]\n", e.name,
      e.kind == catalog::EntryKind::kTable ? "table" : "stream", e.connector);
  std::string props = e.schema_deferred
                          ? fmt::format("out: (columns read from {})",
                                        connectors.DisplayNameOf(e.connector))
                          : fmt::format("out: {}", e.schema.ToString());
  if (!e.key.empty()) props += fmt::format(" key [{}]", Names(e.schema, e.key));
  props += e.append_only ? " append-only" : " changelog";
  out += "     " + props + "\n";
  if (e.watermark) {
    out += fmt::format("     watermark: {} as {}\n",
                       e.schema.field(e.watermark->column).name,
                       e.watermark->expr_text);
  }
  std::vector<std::string> opts;
  for (const auto& [k, v] : e.options) {
    bool secret = catalog::IsSecretOption(k);
    opts.push_back(fmt::format("{}={}", k, secret ? "***" : v));
  }
  out += fmt::format("     options: {}", JoinStrings(opts, " "));
  return out;
}

}  // namespace

std::string ExplainStatement(const BoundStatement& stmt,
                             const catalog::ConnectorRegistry& connectors) {
  return std::visit(
      [&](const auto& s) -> std::string {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, BoundCreateSource>) {
          return ExplainSource(s.entry, connectors);
        } else if constexpr (requires { s.plan; }) {
          WEIR_CHECK(s.plan != nullptr);
          return ExplainPlan(s.plan, connectors);
        } else {
          WEIR_CHECK_MSG(false, "EXPLAIN of a statement without a plan");
          return "";
        }
      },
      stmt.kind);
}

}  // namespace weir::sql

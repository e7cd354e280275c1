#include "engine/exec/view_access.h"

#include <map>
#include <optional>
#include <utility>

#include "engine/base/strings.h"
#include "engine/expr/bound_expr.h"
#include "engine/types/value.h"
#include "fmt/format.h"
#include "storage/key_codec.h"

namespace weir::exec {

namespace {

using expr::BoundExpr;
using expr::BoundExprKind;
using expr::BoundExprPtr;

/// One comparison `column op value` taken from a conjunct.
struct KeyCondition {
  std::string op;  // "=", "<", "<=", ">", ">="
  types::Value value;
  std::string text;
};

std::string Flip(const std::string& op) {
  if (op == "<") return ">";
  if (op == "<=") return ">=";
  if (op == ">") return "<";
  if (op == ">=") return "<=";
  return op;
}

/// `e` as `column op literal` on a column of `schema` whose type the
/// literal has (or, for "=", converts to and back exactly); nullopt for
/// anything else.
std::optional<std::pair<int, KeyCondition>> AsKeyCondition(
    const BoundExprPtr& e, const types::Schema& schema) {
  if (e->kind != BoundExprKind::kCall || e->args.size() != 2) return {};
  std::string op = e->function;
  if (op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=")
    return {};
  BoundExprPtr column = e->args[0];
  BoundExprPtr literal = e->args[1];
  if (column->kind == BoundExprKind::kLiteral) {
    std::swap(column, literal);
    op = Flip(op);
  }
  if (literal->kind != BoundExprKind::kLiteral || literal->value.is_null())
    return {};
  if (column->kind == BoundExprKind::kCast && op == "=" && !column->try_cast)
    column = column->args[0];
  if (column->kind != BoundExprKind::kColumn || column->column < 0 ||
      static_cast<size_t>(column->column) >= schema.size())
    return {};
  const types::LogicalType& type =
      schema.field(static_cast<size_t>(column->column)).type;
  types::Value value = literal->value;
  if (!(literal->type == type)) {
    if (op != "=") return {};
    absl::StatusOr<types::Value> as_key = types::CastValue(value, type);
    if (!as_key.ok()) return {};
    absl::StatusOr<types::Value> back =
        types::CastValue(*as_key, literal->type);
    if (!back.ok() || !(*back == value)) return {};
    value = *std::move(as_key);
  }
  KeyCondition c;
  c.text = fmt::format("{} {} {}",
                       schema.field(static_cast<size_t>(column->column)).name,
                       op, literal->ToString());
  c.op = std::move(op);
  c.value = std::move(value);
  return std::make_pair(column->column, std::move(c));
}

/// The filter right above the scan of `view` under `node`, or nullptr;
/// sets *scan to the scan when found.
const sql::FilterNode* FilterOverView(const sql::PlanNode& node,
                                      const std::string& view,
                                      const sql::ScanNode** scan) {
  for (const sql::PlanPtr& in : node.inputs) {
    if (in->kind == sql::PlanKind::kScan &&
        static_cast<const sql::ScanNode&>(*in).source == view) {
      *scan = static_cast<const sql::ScanNode*>(in.get());
      return node.kind == sql::PlanKind::kFilter
                 ? static_cast<const sql::FilterNode*>(&node)
                 : nullptr;
    }
    if (const sql::FilterNode* f = FilterOverView(*in, view, scan)) return f;
    if (*scan != nullptr) return nullptr;
  }
  return nullptr;
}

class ViewSnapshotSource : public Source {
 public:
  ViewSnapshotSource(std::shared_ptr<const std::vector<ViewRow>> rows,
                     int index, int count)
      : rows_(std::move(rows)),
        next_(static_cast<size_t>(index)),
        step_(static_cast<size_t>(count < 1 ? 1 : count)) {}

  absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) override {
    size_t n = 0;
    while (n < max_rows && next_ < rows_->size()) {
      out->AppendRow((*rows_)[next_]);
      next_ += step_;
      ++n;
    }
    return n;
  }
  bool finished() const override { return next_ >= rows_->size(); }

 private:
  std::shared_ptr<const std::vector<ViewRow>> rows_;
  size_t next_;
  size_t step_;
};

}  // namespace

ViewAccess PlanViewAccess(const sql::PlanNode& plan, const std::string& view,
                          const std::vector<int>& key_columns) {
  ViewAccess access;
  access.description = "scan";
  const sql::ScanNode* scan = nullptr;
  const sql::FilterNode* filter = FilterOverView(plan, view, &scan);
  if (filter == nullptr || scan == nullptr || key_columns.empty())
    return access;
  std::vector<BoundExprPtr> conjuncts;
  expr::SplitConjuncts(filter->predicate, &conjuncts);
  std::map<int, std::vector<KeyCondition>> by_column;
  for (const BoundExprPtr& c : conjuncts) {
    auto cond = AsKeyCondition(c, scan->schema);
    if (cond) by_column[cond->first].push_back(std::move(cond->second));
  }
  // Equalities on the key's first columns make the prefix.
  std::string prefix;
  std::vector<std::string> used;
  size_t fixed = 0;
  for (; fixed < key_columns.size(); ++fixed) {
    auto it = by_column.find(key_columns[fixed]);
    if (it == by_column.end()) break;
    const KeyCondition* eq = nullptr;
    for (const KeyCondition& c : it->second)
      if (c.op == "=") eq = &c;
    if (eq == nullptr) break;
    storage::AppendValue(&prefix, eq->value);
    used.push_back(eq->text);
  }
  access.range.begin = prefix;
  access.range.end = storage::PrefixSuccessor(prefix);
  if (fixed == key_columns.size()) {
    access.kind = ViewAccessKind::kLookup;
    access.description = fmt::format("lookup on ({})", JoinStrings(used, ", "));
    return access;
  }
  // Comparisons on the next key column bound the range within the prefix.
  // (A NULL key sorts first: a lower bound leaves NULLs out, an upper
  // bound lets them in, and the filter drops them.)
  auto it = by_column.find(key_columns[fixed]);
  if (it != by_column.end()) {
    for (const KeyCondition& c : it->second) {
      std::string bound = prefix;
      storage::AppendValue(&bound, c.value);
      if (c.op == ">=" || c.op == ">") {
        std::string begin =
            c.op == ">=" ? bound : storage::PrefixSuccessor(bound);
        if (begin > access.range.begin) access.range.begin = std::move(begin);
      } else if (c.op == "<=" || c.op == "<") {
        std::string end = c.op == "<" ? bound : storage::PrefixSuccessor(bound);
        if (access.range.end.empty() || end < access.range.end)
          access.range.end = std::move(end);
      } else {
        continue;
      }
      used.push_back(c.text);
    }
  }
  if (used.empty()) {
    access.range = {};
    return access;
  }
  access.kind = ViewAccessKind::kPrefixScan;
  access.description =
      fmt::format("prefix scan on ({})", JoinStrings(used, ", "));
  return access;
}

std::unique_ptr<Source> OpenViewSnapshotSource(
    std::shared_ptr<const std::vector<ViewRow>> rows, int index, int count) {
  return std::make_unique<ViewSnapshotSource>(std::move(rows), index, count);
}

}  // namespace weir::exec

#include "engine/sql/logical_plan.h"

namespace weir::sql {

void PassThrough(const PlanPtr& input, PlanNode* node) {
  node->schema = input->schema;
  node->unique_key = input->unique_key;
  node->append_only = input->append_only;
  node->event_time = input->event_time;
  node->watermark_delay = input->watermark_delay;
  node->inputs = {input};
}

namespace {

template <typename T>
std::shared_ptr<PlanNode> Copy(const PlanNode& n) {
  return std::make_shared<T>(static_cast<const T&>(n));
}

}  // namespace

PlanPtr MakeDistinctNode(const PlanPtr& input) {
  auto agg = std::make_shared<AggregateNode>();
  for (size_t i = 0; i < input->schema.size(); ++i) {
    const types::Field& f = input->schema.field(i);
    agg->groups.push_back(
        expr::MakeColumn(static_cast<int>(i), f.name, f.type, f.nullable));
    agg->unique_key.push_back(static_cast<int>(i));
  }
  agg->schema = input->schema;
  agg->append_only = input->append_only;
  agg->retracting = !input->append_only;
  agg->inputs = {input};
  return agg;
}

PlanPtr CopyWithInputs(const PlanNode& node, std::vector<PlanPtr> inputs) {
  std::shared_ptr<PlanNode> copy;
  switch (node.kind) {
    case PlanKind::kScan:
      copy = Copy<ScanNode>(node);
      break;
    case PlanKind::kValues:
      copy = Copy<ValuesNode>(node);
      break;
    case PlanKind::kFilter:
      copy = Copy<FilterNode>(node);
      break;
    case PlanKind::kProject:
      copy = Copy<ProjectNode>(node);
      break;
    case PlanKind::kWindow:
      copy = Copy<WindowNode>(node);
      break;
    case PlanKind::kAggregate:
      copy = Copy<AggregateNode>(node);
      break;
    case PlanKind::kJoin:
      copy = Copy<JoinNode>(node);
      break;
    case PlanKind::kRank:
      copy = Copy<RankNode>(node);
      break;
    case PlanKind::kSort:
      copy = Copy<SortNode>(node);
      break;
    case PlanKind::kLimit:
      copy = Copy<LimitNode>(node);
      break;
    case PlanKind::kUnion:
      copy = Copy<UnionNode>(node);
      break;
    case PlanKind::kOutput:
      copy = Copy<OutputNode>(node);
      break;
  }
  copy->inputs = std::move(inputs);
  return copy;
}

PlanPtr MakeFilterNode(const PlanPtr& input, expr::BoundExprPtr predicate) {
  auto f = std::make_shared<FilterNode>();
  f->predicate = std::move(predicate);
  PassThrough(input, f.get());
  return f;
}

const char* PlanKindName(PlanKind kind) {
  switch (kind) {
    case PlanKind::kScan:
      return "Scan";
    case PlanKind::kValues:
      return "Values";
    case PlanKind::kFilter:
      return "Filter";
    case PlanKind::kProject:
      return "Project";
    case PlanKind::kWindow:
      return "Window";
    case PlanKind::kAggregate:
      return "Aggregate";
    case PlanKind::kJoin:
      return "Join";
    case PlanKind::kRank:
      return "Rank";
    case PlanKind::kSort:
      return "Sort";
    case PlanKind::kLimit:
      return "Limit";
    case PlanKind::kUnion:
      return "Union";
    case PlanKind::kOutput:
      return "Output";
  }
  return "?";
}

void ForEachNode(const PlanPtr& root,
                 const std::function<void(const PlanNode&)>& fn) {
  // Iterative post-order walk: plans are shallow, but a long UNION chain
  // should not recurse once per input.
  std::vector<std::pair<const PlanNode*, size_t>> stack;
  stack.push_back({root.get(), 0});
  while (!stack.empty()) {
    auto& [node, next] = stack.back();
    if (next < node->inputs.size()) {
      const PlanNode* child = node->inputs[next].get();
      ++next;
      stack.push_back({child, 0});
      continue;
    }
    fn(*node);
    stack.pop_back();
  }
}

}  // namespace weir::sql

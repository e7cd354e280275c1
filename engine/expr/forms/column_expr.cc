// The leaves of a compiled expression: input columns, constants, and the
// deferred errors of EvaluateConstant.

#include <fmt/format.h>

#include <utility>

#include "engine/expr/vector_node.h"

namespace weir::expr::internal {
namespace {

using types::Column;
using types::PhysicalType;

/// A column of the input batch: a view of its values, no copy.
class ColumnNode final : public VectorNode {
 public:
  using VectorNode::VectorNode;

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    const int index = expr_->column;
    if (index < 0 || static_cast<size_t>(index) >= ctx.input->num_columns()) {
      return absl::InvalidArgumentError(
          fmt::format("column {} is out of range: the batch has {} columns",
                      expr_->ToString(), ctx.input->num_columns()));
    }
    const Column& c = ctx.input->column(index);
    out->Init(type());
    if (out->physical == PhysicalType::kNull) return absl::OkStatus();
    if (c.physical() != out->physical ||
        (out->physical == PhysicalType::kInt128 &&
         c.type().scale() != type().scale()) ||
        c.size() < ctx.num_rows) {
      return absl::InvalidArgumentError(fmt::format(
          "column {} of the batch has type {} ({} rows); the expression "
          "expects {}",
          expr_->ToString(), c.type().ToString(), c.size(), type().ToString()));
    }
    switch (out->physical) {
      case PhysicalType::kInt64:
        out->data = c.ints();
        break;
      case PhysicalType::kDouble:
        out->data = c.doubles();
        break;
      case PhysicalType::kInt128:
        out->data = c.decimals();
        break;
      case PhysicalType::kString:
        if (const std::string* objects = c.string_objects()) {
          out->data = objects;
        } else {
          // A packed column (as decoders fill them): the kernels read
          // std::strings, made here for the rows asked for only.
          std::string* d = out->Allocate<std::string>(ctx.num_rows);
          for (uint32_t r : rows) d[r].assign(c.StringAt(r));
        }
        break;
      case PhysicalType::kInterval:
        out->data = c.intervals();
        break;
      case PhysicalType::kNull:
        break;
    }
    if (c.MayHaveNulls()) {
      uint8_t* nulls = out->AllocateNulls(ctx.num_rows);
      for (uint32_t r : rows) nulls[r] = c.IsNull(r) ? 1 : 0;
    }
    return absl::OkStatus();
  }
};

class LiteralNode final : public VectorNode {
 public:
  LiteralNode(BoundExprPtr expr, types::Value value)
      : VectorNode(std::move(expr)), value_(std::move(value)) {}

  absl::Status Eval(EvalContext&, Rows, Vec* out) const override {
    SetConstant(out, type(), value_);
    return absl::OkStatus();
  }

  const types::Value* constant_value() const override { return &value_; }

 private:
  types::Value value_;
};

class ErrorNode final : public VectorNode {
 public:
  ErrorNode(BoundExprPtr expr, absl::Status error)
      : VectorNode(std::move(expr)), error_(std::move(error)) {}

  absl::Status Eval(EvalContext& ctx, Rows rows, Vec* out) const override {
    if (rows.empty()) {
      out->Init(type());
      return absl::OkStatus();
    }
    ctx.error_row = rows[0];
    return error_;
  }

 private:
  absl::Status error_;
};

}  // namespace

NodePtr MakeColumnNode(BoundExprPtr e) {
  return Make<ColumnNode>(std::move(e));
}

NodePtr MakeLiteralNode(BoundExprPtr e, types::Value value) {
  return Make<LiteralNode>(std::move(e), std::move(value));
}

NodePtr MakeErrorNode(BoundExprPtr e, absl::Status error) {
  return Make<ErrorNode>(std::move(e), std::move(error));
}

}  // namespace weir::expr::internal

#include "engine/exec/aggregate.h"

#include <stdlib.h>

#include <cstring>
#include <string_view>
#include <system_error>
#include <unordered_map>

#include "engine/base/status.h"
#include "engine/exec/key_hash.h"
#include "engine/exec/operators.h"
#include "fmt/format.h"

namespace weir::exec {

namespace fs = std::filesystem;
using types::ChangeKind;

// ------------------------------------------------------------ compiling

absl::StatusOr<std::shared_ptr<const types::Schema>> AggregateInputSchema(
    const sql::AggregateNode& node) {
  auto schema = std::make_shared<types::Schema>();
  for (size_t k = 0; k < node.groups.size(); ++k) {
    schema->Add(
        types::Field{node.schema.field(k).name, node.groups[k]->type, true});
  }
  for (size_t c = 0; c < node.aggregates.size(); ++c) {
    const sql::AggregateCall& call = node.aggregates[c];
    if (call.args.size() > 1) {
      return absl::UnimplementedError(fmt::format(
          "{} is not executable yet: aggregates of more than one argument",
          call.display));
    }
    if (call.args.size() == 1) {
      schema->Add(
          types::Field{fmt::format("arg{}", c), call.args[0]->type, true});
    }
  }
  return std::shared_ptr<const types::Schema>(std::move(schema));
}

absl::StatusOr<std::shared_ptr<const CompiledAggregate>> CompileAggregate(
    const sql::AggregateNode& node) {
  auto out = std::make_shared<CompiledAggregate>();
  WEIR_ASSIGN_OR_RETURN(out->input_schema, AggregateInputSchema(node));
  out->output_schema = std::make_shared<types::Schema>(node.schema);
  out->num_groups = node.groups.size();
  for (const expr::BoundExprPtr& g : node.groups) {
    WEIR_ASSIGN_OR_RETURN(auto c, expr::CompiledExpr::Compile(g));
    out->input_exprs.push_back(std::move(c));
  }
  int column = static_cast<int>(node.groups.size());
  for (const sql::AggregateCall& call : node.aggregates) {
    expr::ResolvedAggregate resolved;
    resolved.function = call.function;
    resolved.result = call.type;
    resolved.state = call.state;
    if (call.args.empty()) {
      out->arg_columns.push_back(-1);
    } else {
      resolved.arg_types.push_back(call.args[0]->type);
      WEIR_ASSIGN_OR_RETURN(auto c, expr::CompiledExpr::Compile(call.args[0]));
      out->input_exprs.push_back(std::move(c));
      out->arg_columns.push_back(column++);
    }
    WEIR_ASSIGN_OR_RETURN(auto kernel, expr::MakeAggregateKernel(resolved));
    out->kernels.push_back(std::move(kernel));
  }
  return std::shared_ptr<const CompiledAggregate>(std::move(out));
}

// ------------------------------------------------------------ state dir

absl::StatusOr<std::shared_ptr<QueryStateDir>> QueryStateDir::Open(
    const fs::path& parent) {
  std::shared_ptr<QueryStateDir> dir(new QueryStateDir());
  if (parent.empty()) {
    WEIR_ASSIGN_OR_RETURN(dir->dir_, storage::MakeTemporaryStateDir());
  } else {
    std::error_code ec;
    fs::create_directories(parent, ec);
    std::string pattern = (parent / "query-XXXXXX").string();
    if (ec || ::mkdtemp(pattern.data()) == nullptr) {
      return absl::FailedPreconditionError(fmt::format(
          "cannot create a state directory in '{}' (state.dir): {}",
          parent.string(),
          ec ? ec.message() : std::generic_category().message(errno)));
    }
    dir->dir_ = pattern;
  }
  storage::StateBackendOptions options;
  options.dir = dir->dir_;
  WEIR_ASSIGN_OR_RETURN(dir->backend_,
                        storage::StateBackend::Open(std::move(options)));
  return dir;
}

QueryStateDir::~QueryStateDir() {
  if (dir_.empty()) return;
  backend_.reset();
  // Best effort: a directory left behind holds no state anyone reads.
  (void)storage::StateBackend::Destroy(dir_);
}

// ------------------------------------------------------------ operators

namespace {

/// The entry of one group: its row count and each call's accumulator.
struct GroupState {
  int64_t count = 0;
  std::vector<std::unique_ptr<expr::AggregateState>> states;
};

void PutU64(std::string* out, uint64_t v) {
  char bytes[8];
  std::memcpy(bytes, &v, sizeof v);
  out->append(bytes, sizeof bytes);
}

bool GetU64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  std::memcpy(v, in->data(), 8);
  in->remove_prefix(8);
  return true;
}

class AggregateOperator : public Operator {
 public:
  AggregateOperator(std::shared_ptr<const CompiledAggregate> compiled,
                    AggregateStore store)
      : c_(std::move(compiled)), store_(std::move(store)) {
    for (size_t k = 0; k < c_->num_groups; ++k)
      key_columns_.push_back(static_cast<int>(k));
  }

  absl::Status AddInput(types::Batch batch) override {
    const size_t live = batch.num_selected();
    if (live == 0) return absl::OkStatus();
    Scratch& x = scratch_;
    x.rows.resize(live);
    for (size_t i = 0; i < live; ++i) {
      x.rows[i] = batch.has_selection() ? batch.selection()[i]
                                        : static_cast<uint32_t>(i);
    }
    KeyHash(batch, key_columns_, &hashes_);

    // The batch's groups, in order of first appearance.
    if (x.keys.size() < live) x.keys.resize(live);
    x.first_row.clear();
    x.group_of.resize(live);
    x.index.clear();
    for (size_t i = 0; i < live; ++i) {
      std::string& key = x.keys[i];
      key.clear();
      storage::AppendKeyPrefix(&key, store_.op,
                               KeyGroupOf(hashes_[i], store_.max_parallelism));
      for (int k : key_columns_) {
        storage::AppendColumnValue(&key, batch.column(static_cast<size_t>(k)),
                                   x.rows[i]);
      }
    }
    for (size_t i = 0; i < live; ++i) {
      auto [it, added] =
          x.index.emplace(std::string_view(x.keys[i]),
                          static_cast<uint32_t>(x.first_row.size()));
      if (added) x.first_row.push_back(static_cast<uint32_t>(i));
      x.group_of[i] = it->second;
    }
    const size_t n = x.first_row.size();
    const std::vector<uint32_t>& rows = x.rows;
    const std::vector<uint32_t>& first_row = x.first_row;
    const std::vector<uint32_t>& group_of = x.group_of;

    storage::StateStore& store = *store_.store;
    storage::StateStore::BatchScope scope(&store);
    std::vector<std::string_view>& unique_keys = x.unique_keys;
    unique_keys.clear();
    for (uint32_t i : first_row) unique_keys.emplace_back(x.keys[i]);
    WEIR_RETURN_IF_ERROR(store.Prefetch(unique_keys));

    // Each group's entry and old result.
    std::vector<std::string*>& values = x.values;
    std::vector<GroupState>& groups = x.groups;
    std::vector<std::vector<types::Value>>& old_rows = x.old_rows;
    values.assign(n, nullptr);
    if (groups.size() < n) groups.resize(n);
    if (old_rows.size() < n) old_rows.resize(n);
    for (size_t g = 0; g < n; ++g) {
      groups[g].count = 0;
      groups[g].states.clear();
      old_rows[g].clear();
      WEIR_ASSIGN_OR_RETURN(storage::StateStore::Slot slot,
                            store.Mutable(unique_keys[g]));
      values[g] = slot.value;
      if (slot.existed) {
        WEIR_RETURN_IF_ERROR(Decode(*slot.value, &groups[g]));
        WEIR_ASSIGN_OR_RETURN(old_rows[g],
                              ResultRow(batch, rows[first_row[g]], groups[g]));
      } else {
        for (const auto& kernel : c_->kernels)
          groups[g].states.push_back(kernel->NewState());
      }
    }

    // Adds, then retractions (a row inserted and deleted in one batch is
    // added before it is removed).
    std::vector<uint32_t>& add_rows = x.add_rows;
    std::vector<uint32_t>& retract_rows = x.retract_rows;
    std::vector<uint32_t>& add_groups = x.add_groups;
    std::vector<uint32_t>& retract_groups = x.retract_groups;
    add_rows.clear();
    retract_rows.clear();
    add_groups.clear();
    retract_groups.clear();
    for (size_t i = 0; i < live; ++i) {
      const ChangeKind kind = batch.change(rows[i]);
      const bool retract =
          kind == ChangeKind::kDelete || kind == ChangeKind::kUpdateBefore;
      (retract ? retract_rows : add_rows).push_back(rows[i]);
      (retract ? retract_groups : add_groups).push_back(group_of[i]);
      groups[group_of[i]].count += retract ? -1 : 1;
    }
    for (size_t g = 0; g < n; ++g) {
      if (groups[g].count < 0) {
        return absl::FailedPreconditionError(fmt::format(
            "GROUP BY: the input retracts a row of group ({}) that was never "
            "added (a delete before its insert)",
            GroupText(batch, rows[first_row[g]])));
      }
    }
    for (size_t a = 0; a < c_->kernels.size(); ++a) {
      const int col = c_->arg_columns[a];
      const types::Column* input =
          col < 0 ? nullptr : &batch.column(static_cast<size_t>(col));
      for (bool retract : {false, true}) {
        const auto& rs = retract ? retract_rows : add_rows;
        const auto& gs = retract ? retract_groups : add_groups;
        if (rs.empty()) continue;
        std::vector<expr::AggregateState*>& states = x.states;
        states.resize(gs.size());
        for (size_t i = 0; i < gs.size(); ++i)
          states[i] = groups[gs[i]].states[a].get();
        absl::Status st = c_->kernels[a]->Update(input, rs, states, retract);
        if (!st.ok()) {
          return absl::Status(st.code(),
                              "GROUP BY: " + std::string(st.message()));
        }
      }
    }

    // The changes, and the new entries.
    for (size_t g = 0; g < n; ++g) {
      const bool existed = !old_rows[g].empty();
      const uint32_t row = rows[first_row[g]];
      if (groups[g].count == 0) {
        if (existed) Append(old_rows[g], ChangeKind::kDelete);
        WEIR_RETURN_IF_ERROR(store.Delete(unique_keys[g]));
        continue;
      }
      WEIR_ASSIGN_OR_RETURN(std::vector<types::Value> now,
                            ResultRow(batch, row, groups[g]));
      if (!existed) {
        Append(now, ChangeKind::kInsert);
      } else if (now != old_rows[g]) {
        Append(old_rows[g], ChangeKind::kUpdateBefore);
        Append(now, ChangeKind::kUpdateAfter);
      }
      Encode(groups[g], values[g]);
    }
    WEIR_RETURN_IF_ERROR(scope.Close());
    return EmitPending();
  }

  bool HasPendingOutput() const override { return !pending_.empty(); }
  absl::Status ContinueOutput() override { return EmitPending(); }

 private:
  absl::Status Decode(const std::string& bytes, GroupState* out) const {
    std::string_view in = bytes;
    uint64_t count = 0;
    bool ok = GetU64(&in, &count);
    out->count = static_cast<int64_t>(count);
    for (const auto& kernel : c_->kernels) {
      uint64_t len = 0;
      if (!ok || !GetU64(&in, &len) || len > in.size()) {
        ok = false;
        break;
      }
      WEIR_ASSIGN_OR_RETURN(auto state, kernel->Deserialize(in.substr(0, len)));
      in.remove_prefix(len);
      out->states.push_back(std::move(state));
    }
    if (!ok || !in.empty()) {
      return absl::DataLossError(
          fmt::format("GROUP BY: a group's state in store '{}' is damaged",
                      store_.store->name()));
    }
    return absl::OkStatus();
  }

  void Encode(const GroupState& group, std::string* out) const {
    out->clear();
    PutU64(out, static_cast<uint64_t>(group.count));
    for (size_t a = 0; a < c_->kernels.size(); ++a) {
      std::string bytes = c_->kernels[a]->Serialize(*group.states[a]);
      PutU64(out, bytes.size());
      out->append(bytes);
    }
  }

  /// The group keys of `row`, then each call's result.
  absl::StatusOr<std::vector<types::Value>> ResultRow(
      const types::Batch& batch, uint32_t row, const GroupState& group) const {
    std::vector<types::Value> out;
    out.reserve(c_->output_schema->size());
    for (int k : key_columns_)
      out.push_back(batch.column(static_cast<size_t>(k)).GetValue(row));
    for (size_t a = 0; a < c_->kernels.size(); ++a) {
      absl::StatusOr<types::Value> v = c_->kernels[a]->Result(*group.states[a]);
      if (!v.ok()) {
        return absl::Status(
            v.status().code(),
            fmt::format("GROUP BY: {} of group ({}): {}",
                        c_->kernels[a]->call().function, GroupText(batch, row),
                        std::string(v.status().message())));
      }
      out.push_back(*std::move(v));
    }
    return out;
  }

  std::string GroupText(const types::Batch& batch, uint32_t row) const {
    std::string text;
    for (int k : key_columns_) {
      text += (text.empty() ? "" : ", ") +
              batch.column(static_cast<size_t>(k)).GetValue(row).ToString();
    }
    return text;
  }

  /// Queues one output row, in batches of at most the output budget.
  void Append(const std::vector<types::Value>& row, ChangeKind kind) {
    if (pending_.empty() || pending_.back().num_rows() >= output_budget())
      pending_.emplace_back(c_->output_schema);
    pending_.back().AppendRow(row, kind);
  }

  /// Emits one queued batch (at most the budget).
  absl::Status EmitPending() {
    if (pending_.empty()) return absl::OkStatus();
    types::Batch next = std::move(pending_.front());
    pending_.pop_front();
    return Emit(std::move(next));
  }

  std::shared_ptr<const CompiledAggregate> c_;
  AggregateStore store_;
  std::vector<int> key_columns_;
  std::vector<uint64_t> hashes_;
  std::deque<types::Batch> pending_;

  /// AddInput's per-batch buffers, kept from batch to batch: allocating
  /// them per batch (some 100 KB in a dozen vectors) made glibc consolidate
  /// its free lists at every batch (each allocation of over 1 KB does,
  /// when small blocks were freed since), a tenth of the operator's time
  /// with its state beyond the cache.
  struct Scratch {
    std::vector<uint32_t> rows;       // live rows of the batch
    std::vector<std::string> keys;    // per live row: its state key
    std::vector<uint32_t> first_row;  // per group: its first live row
    std::vector<uint32_t> group_of;   // per live row: its group
    std::unordered_map<std::string_view, uint32_t> index;  // key -> group
    std::vector<std::string_view> unique_keys;             // per group
    std::vector<std::string*> values;  // per group: its entry
    std::vector<GroupState> groups;    // per group (may be longer)
    std::vector<std::vector<types::Value>> old_rows;  // (may be longer)
    std::vector<uint32_t> add_rows, retract_rows, add_groups, retract_groups;
    std::vector<expr::AggregateState*> states;
  };
  Scratch scratch_;
};

}  // namespace

std::unique_ptr<Operator> MakeAggregateInputOperator(
    std::shared_ptr<const CompiledAggregate> compiled, RowErrorFn row_error) {
  return MakeProjectOperator(compiled->input_exprs, compiled->input_schema,
                             row_error);
}

std::unique_ptr<Operator> MakeAggregateOperator(
    std::shared_ptr<const CompiledAggregate> compiled, AggregateStore store) {
  return std::make_unique<AggregateOperator>(std::move(compiled),
                                             std::move(store));
}

}  // namespace weir::exec

#include "engine/exec/aggregate.h"

#include <stdlib.h>

#include <cstring>
#include <map>
#include <string_view>
#include <system_error>

#include "engine/base/status.h"
#include "engine/exec/change_queue.h"
#include "engine/exec/key_hash.h"
#include "engine/exec/keyed_rows.h"
#include "engine/exec/operators.h"
#include "engine/exec/watermark.h"
#include "engine/exec/window.h"
#include "fmt/format.h"

namespace weir::exec {

namespace fs = std::filesystem;
using types::ChangeKind;

// ------------------------------------------------------------ compiling

absl::Status AddArgumentFields(const sql::AggregateNode& node,
                               types::Schema* schema) {
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
  return absl::OkStatus();
}

absl::Status CompileAggregateCalls(
    const sql::AggregateNode& node, int first_column,
    std::vector<std::shared_ptr<const expr::CompiledExpr>>* exprs,
    std::vector<std::unique_ptr<expr::AggregateKernel>>* kernels,
    std::vector<int>* arg_columns) {
  int column = first_column;
  for (const sql::AggregateCall& call : node.aggregates) {
    expr::ResolvedAggregate resolved;
    resolved.function = call.function;
    resolved.result = call.type;
    resolved.state = call.state;
    if (call.args.empty()) {
      arg_columns->push_back(-1);
    } else {
      resolved.arg_types.push_back(call.args[0]->type);
      WEIR_ASSIGN_OR_RETURN(auto c, expr::CompiledExpr::Compile(call.args[0]));
      exprs->push_back(std::move(c));
      arg_columns->push_back(column++);
    }
    WEIR_ASSIGN_OR_RETURN(auto kernel,
                          expr::MakeAggregateKernel(resolved, node.retracting));
    kernels->push_back(std::move(kernel));
  }
  return absl::OkStatus();
}

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

void AppendAccumulators(
    const std::vector<std::unique_ptr<expr::AggregateKernel>>& kernels,
    const std::vector<std::unique_ptr<expr::AggregateState>>& states,
    std::string* out) {
  for (size_t a = 0; a < kernels.size(); ++a) {
    // The length goes first: written as 0, then set once the bytes are in.
    const size_t at = out->size();
    PutU64(out, 0);
    kernels[a]->SerializeTo(*states[a], out);
    const uint64_t len = out->size() - at - 8;
    std::memcpy(out->data() + at, &len, sizeof len);
  }
}

absl::StatusOr<bool> ReadAccumulators(
    const std::vector<std::unique_ptr<expr::AggregateKernel>>& kernels,
    std::string_view* in,
    std::vector<std::unique_ptr<expr::AggregateState>>* states) {
  for (size_t a = 0; a < kernels.size(); ++a) {
    uint64_t len = 0;
    if (!GetU64(in, &len) || len > in->size()) return false;
    if (states->size() <= a) states->emplace_back();
    WEIR_RETURN_IF_ERROR(
        kernels[a]->DeserializeInto(in->substr(0, len), &(*states)[a]));
    in->remove_prefix(len);
  }
  return true;
}

absl::StatusOr<std::shared_ptr<const types::Schema>> AggregateInputSchema(
    const sql::AggregateNode& node) {
  auto schema = std::make_shared<types::Schema>();
  for (size_t k = 0; k < node.groups.size(); ++k) {
    schema->Add(
        types::Field{node.schema.field(k).name, node.groups[k]->type, true});
  }
  WEIR_RETURN_IF_ERROR(AddArgumentFields(node, schema.get()));
  return std::shared_ptr<const types::Schema>(std::move(schema));
}

absl::StatusOr<std::shared_ptr<const CompiledAggregate>> CompileAggregate(
    const sql::AggregateNode& node) {
  auto out = std::make_shared<CompiledAggregate>();
  WEIR_ASSIGN_OR_RETURN(out->input_schema, AggregateInputSchema(node));
  out->output_schema = std::make_shared<types::Schema>(node.schema);
  out->num_groups = node.groups.size();
  if (node.window_start_group && node.window_end_group) {
    CompiledAggregate::Window w;
    w.start_group = *node.window_start_group;
    w.end_group = *node.window_end_group;
    w.on_close = node.emit == sql::EmitPolicy::kOnWindowClose;
    w.lateness_micros = node.allowed_lateness_micros;
    w.closes = WindowTimeHasWatermark(node);
    out->window = w;
  }
  for (const expr::BoundExprPtr& g : node.groups) {
    WEIR_ASSIGN_OR_RETURN(auto c, expr::CompiledExpr::Compile(g));
    out->input_exprs.push_back(std::move(c));
  }
  WEIR_RETURN_IF_ERROR(CompileAggregateCalls(
      node, static_cast<int>(node.groups.size()), &out->input_exprs,
      &out->kernels, &out->arg_columns));
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

absl::StatusOr<std::shared_ptr<QueryStateDir>> QueryStateDir::OpenKept(
    const fs::path& dir) {
  std::shared_ptr<QueryStateDir> d(new QueryStateDir());
  d->dir_ = dir;
  d->kept_ = true;
  storage::StateBackendOptions options;
  options.dir = dir;
  WEIR_ASSIGN_OR_RETURN(d->backend_,
                        storage::StateBackend::Open(std::move(options)));
  return d;
}

QueryStateDir::~QueryStateDir() {
  if (dir_.empty() || kept_) return;
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

class AggregateOperator : public Operator {
 public:
  AggregateOperator(std::shared_ptr<const CompiledAggregate> compiled,
                    AggregateStore store)
      : c_(std::move(compiled)),
        store_(std::move(store)),
        pending_(c_->output_schema) {
    for (size_t k = 0; k < c_->num_groups; ++k) {
      const int col = static_cast<int>(k);
      key_columns_.push_back(col);
      if (!c_->window ||
          (col != c_->window->start_group && col != c_->window->end_group))
        other_groups_.push_back(col);
    }
    for (const auto& kernel : c_->kernels)
      empty_states_.push_back(kernel->Serialize(*kernel->NewState()));
  }

  absl::Status AddInput(types::Batch batch) override {
    WEIR_RETURN_IF_ERROR(RebuildOpenWindows());
    const size_t live = batch.num_selected();
    if (live == 0) return absl::OkStatus();
    // A global aggregate's first rows make its row below (+I), so the
    // empty result need not go out first.
    global_row_checked_ = true;
    KeyHash(batch, key_columns_, &hashes_);
    // The live rows, less those that reach a closed window (late).
    // (Every per-batch buffer is a member, reused: see keyed_rows.h.)
    std::vector<uint32_t>& rows = kept_rows_;
    std::vector<uint64_t>& hashes = kept_hashes_;
    rows.clear();
    hashes.clear();
    const int64_t closed_to = ClosedTo();
    for (size_t i = 0; i < live; ++i) {
      const uint32_t row = batch.has_selection() ? batch.selection()[i]
                                                 : static_cast<uint32_t>(i);
      if (closed_to != kNoWatermark && WindowEnd(batch, row) <= closed_to) {
        if (store_.late_rows)
          store_.late_rows->fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      rows.push_back(row);
      hashes.push_back(hashes_[i]);
    }
    const size_t kept = rows.size();
    if (kept == 0) return absl::OkStatus();

    // The batch's groups, in order of first appearance; a windowed key
    // puts the window first (see the file comment).
    KeyedRows& keyed = keyed_;
    GroupRowsByKey(
        rows, hashes, store_.op, store_.max_parallelism,
        [&](uint32_t row, std::string* key) {
          if (c_->window) {
            storage::AppendTime(key, WindowEnd(batch, row));
            storage::AppendTime(
                key, batch.column(static_cast<size_t>(c_->window->start_group))
                         .ints()[row]);
          }
          for (int k : other_groups_) {
            storage::AppendColumnValue(
                key, batch.column(static_cast<size_t>(k)), row);
          }
        },
        &keyed);
    const std::vector<uint32_t>& first_row = keyed.first_row;
    const std::vector<uint32_t>& group_of = keyed.group_of;
    const size_t n = keyed.num_groups();
    const bool emit_changes = !c_->window || !c_->window->on_close;

    storage::StateStore& store = *store_.store;
    storage::StateStore::BatchScope scope(&store);
    const std::vector<std::string_view>& unique_keys = keyed.GroupKeys();
    WEIR_RETURN_IF_ERROR(store.Prefetch(unique_keys));

    // Each group's entry and old result.
    std::vector<std::string*>& values = values_;
    std::vector<GroupState>& groups = groups_;
    std::vector<char>& existed = existed_;
    std::vector<std::vector<types::Value>>& old_rows = old_rows_;
    values.assign(n, nullptr);
    if (groups.size() < n) groups.resize(n);
    existed.assign(n, 0);
    if (emit_changes && old_rows.size() < n) old_rows.resize(n);
    for (size_t g = 0; g < n; ++g) {
      WEIR_ASSIGN_OR_RETURN(storage::StateStore::Slot slot,
                            store.Mutable(unique_keys[g]));
      values[g] = slot.value;
      existed[g] = slot.existed;
      // groups[g]'s state objects are reused from batch to batch.
      const uint32_t row = rows[first_row[g]];
      if (slot.existed) {
        WEIR_RETURN_IF_ERROR(Decode(*slot.value, &groups[g]));
        if (emit_changes) {
          KeysInto(batch, row, &old_rows[g]);
          WEIR_RETURN_IF_ERROR(AppendResults(groups[g], &old_rows[g]));
        }
      } else {
        WEIR_RETURN_IF_ERROR(ResetGroup(&groups[g]));
        if (c_->window) {
          MarkOpen(WindowEnd(batch, row), keyed.key_group[g]);
        }
      }
    }

    // Adds, then retractions (a row inserted and deleted in one batch is
    // added before it is removed).
    std::vector<uint32_t>& add_rows = add_rows_;
    std::vector<uint32_t>& retract_rows = retract_rows_;
    std::vector<uint32_t>& add_groups = add_groups_;
    std::vector<uint32_t>& retract_groups = retract_groups_;
    add_rows.clear();
    retract_rows.clear();
    add_groups.clear();
    retract_groups.clear();
    for (size_t i = 0; i < kept; ++i) {
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
            GroupText(KeyValues(batch, rows[first_row[g]]))));
      }
    }
    std::vector<expr::AggregateState*>& states = update_states_;
    for (size_t a = 0; a < c_->kernels.size(); ++a) {
      const int col = c_->arg_columns[a];
      const types::Column* input =
          col < 0 ? nullptr : &batch.column(static_cast<size_t>(col));
      for (bool retract : {false, true}) {
        const auto& rs = retract ? retract_rows : add_rows;
        const auto& gs = retract ? retract_groups : add_groups;
        if (rs.empty()) continue;
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
      const uint32_t row = rows[first_row[g]];
      if (groups[g].count == 0 && !Global()) {
        if (existed[g] && emit_changes)
          Append(old_rows[g], ChangeKind::kDelete);
        WEIR_RETURN_IF_ERROR(store.Delete(unique_keys[g]));
        continue;
      }
      // A global aggregate keeps its one row when its input empties: the
      // result over no rows (COUNT 0, SUM NULL), exactly.
      if (groups[g].count == 0) WEIR_RETURN_IF_ERROR(ResetGroup(&groups[g]));
      if (emit_changes) {
        std::vector<types::Value>& now = new_row_;
        KeysInto(batch, row, &now);
        WEIR_RETURN_IF_ERROR(AppendResults(groups[g], &now));
        if (!existed[g]) {
          Append(now, ChangeKind::kInsert);
        } else if (now != old_rows[g]) {
          Append(old_rows[g], ChangeKind::kUpdateBefore);
          Append(now, ChangeKind::kUpdateAfter);
        }
      }
      Encode(groups[g], values[g]);
    }
    WEIR_RETURN_IF_ERROR(scope.Close());
    return EmitPending();
  }

  absl::Status OnWatermark(int64_t micros) override {
    if (!c_->window) {
      WEIR_RETURN_IF_ERROR(EnsureGlobalRow());
      return EmitWatermark(micros);
    }
    WEIR_RETURN_IF_ERROR(RebuildOpenWindows());
    // A watermark on another column than the window's time closes nothing
    // before the end of input.
    if (!c_->window->closes && micros != kEndOfTime) {
      return EmitWatermark(micros);
    }
    watermark_ = std::max(watermark_, micros);
    const int64_t closed_to = ClosedTo();
    if (closed_to != kNoWatermark) {
      auto stop = open_.upper_bound(closed_to);
      for (auto it = open_.begin(); it != stop; ++it) {
        for (size_t kg = 0; kg < it->second.size(); ++kg) {
          if (it->second[kg])
            closing_.push_back({it->first, static_cast<int>(kg)});
        }
      }
      open_.erase(open_.begin(), stop);
      last_open_ = nullptr;
    }
    owed_watermark_ = c_->window->closes
                          ? ShiftWatermark(micros, c_->window->lateness_micros)
                          : micros;
    return Fire();
  }

  absl::Status OnBarrier(CheckpointId id) override {
    WEIR_RETURN_IF_ERROR(EnsureGlobalRow());
    return EmitBarrier(id);
  }

  absl::Status Finish() override {
    WEIR_RETURN_IF_ERROR(EnsureGlobalRow());
    return EmitFinish();
  }

  bool HasPendingOutput() const override {
    return !pending_.empty() || !closing_.empty() || owed_watermark_;
  }
  absl::Status ContinueOutput() override {
    if (!pending_.empty()) return EmitPending();
    return Fire();
  }

 private:
  /// No GROUP BY and no window: one group with an empty key, whose row
  /// exists even when no row was added (SQL's one row of COUNT 0, SUM
  /// NULL).
  bool Global() const { return c_->num_groups == 0 && !c_->window; }

  /// Before a global aggregate's first event that is not rows (a
  /// watermark, a barrier, the end of input): the task that owns the
  /// empty key's key group emits the result over no rows (+I) and stores
  /// the group with a count of 0, unless its state already holds the
  /// group (restored from a checkpoint, whose row went out before it).
  /// Every row of a global aggregate reaches that task (they all hash
  /// alike), so the other tasks emit nothing.
  absl::Status EnsureGlobalRow() {
    if (!Global() || global_row_checked_) return absl::OkStatus();
    global_row_checked_ = true;
    // HashKeyColumns gives an empty key the hash 0 (key_hash.h).
    const int kg = KeyGroupOf(0, store_.max_parallelism);
    if (TaskOfKeyGroup(kg, std::max(1, store_.tasks), store_.max_parallelism) !=
        store_.task) {
      return absl::OkStatus();
    }
    std::string key;
    storage::AppendKeyPrefix(&key, store_.op, kg);
    WEIR_ASSIGN_OR_RETURN(storage::StateStore::Slot slot,
                          store_.store->Mutable(key));
    if (slot.existed) return absl::OkStatus();
    WEIR_RETURN_IF_ERROR(ResetGroup(&fire_group_));
    Encode(fire_group_, slot.value);
    new_row_.clear();
    WEIR_RETURN_IF_ERROR(AppendResults(fire_group_, &new_row_));
    types::Batch out(c_->output_schema);
    out.AppendRow(new_row_, ChangeKind::kInsert);
    return Emit(std::move(out));
  }

  /// Windows whose end is at or before this are closed (kNoWatermark:
  /// none; not windowed).
  int64_t ClosedTo() const {
    if (!c_->window || watermark_ == kNoWatermark) return kNoWatermark;
    if (watermark_ == kEndOfTime) return kEndOfTime;
    if (!c_->window->closes) return kNoWatermark;
    return ShiftWatermark(watermark_, c_->window->lateness_micros);
  }

  int64_t WindowEnd(const types::Batch& batch, uint32_t row) const {
    return batch.column(static_cast<size_t>(c_->window->end_group)).ints()[row];
  }

  /// Notes that window `end` holds state in key group `kg`.
  void MarkOpen(int64_t end, int kg) {
    if (last_open_ == nullptr || last_open_end_ != end) {
      last_open_ = &open_[end];
      last_open_end_ = end;
      if (last_open_->empty())
        last_open_->resize(static_cast<size_t>(store_.max_parallelism));
    }
    if (static_cast<size_t>(kg) >= last_open_->size())
      last_open_->resize(static_cast<size_t>(kg) + 1);
    (*last_open_)[static_cast<size_t>(kg)] = true;
  }

  /// The key of every group of window `end` in key group `kg`.
  std::string WindowPrefix(int64_t end, int kg) const {
    std::string prefix = storage::KeyPrefix(store_.op, kg);
    storage::AppendTime(&prefix, end);
    return prefix;
  }

  /// Closes the windows in closing_: with EMIT ON WINDOW CLOSE emits their
  /// final rows (up to the budget per call) and drops their state; then
  /// forwards the owed watermark.
  absl::Status Fire() {
    storage::StateStore& store = *store_.store;
    if (!c_->window->on_close) {
      std::vector<storage::KeyRange> ranges;
      for (const auto& [end, kg] : closing_)
        ranges.push_back(storage::KeyRange::Prefix(WindowPrefix(end, kg)));
      closing_.clear();
      if (!ranges.empty()) WEIR_RETURN_IF_ERROR(store.DeleteRanges(ranges));
    }
    types::Batch out(c_->output_schema);
    size_t emitted = 0;
    while (!closing_.empty() && emitted < output_budget()) {
      const auto [end, kg] = closing_.front();
      const storage::KeyRange window =
          storage::KeyRange::Prefix(WindowPrefix(end, kg));
      storage::KeyRange range = window;
      if (!resume_.empty()) range.begin = resume_;
      WEIR_RETURN_IF_ERROR(store.Seek(range, &scanner_));
      bool stopped = false;
      for (; scanner_.Valid(); scanner_.Next()) {
        if (emitted == output_budget()) {
          resume_ = std::string(scanner_.key());
          stopped = true;
          break;
        }
        WEIR_ASSIGN_OR_RETURN(new_row_, DecodeKey(scanner_.key()));
        WEIR_RETURN_IF_ERROR(Decode(scanner_.value(), &fire_group_));
        WEIR_RETURN_IF_ERROR(AppendResults(fire_group_, &new_row_));
        out.AppendRow(new_row_, ChangeKind::kInsert);
        ++emitted;
      }
      WEIR_RETURN_IF_ERROR(scanner_.status());
      if (stopped) break;
      resume_.clear();
      closing_.pop_front();
      WEIR_RETURN_IF_ERROR(store.DeleteRange(window.begin, window.end));
    }
    if (emitted > 0) WEIR_RETURN_IF_ERROR(Emit(std::move(out)));
    if (closing_.empty() && owed_watermark_) {
      const int64_t w = *owed_watermark_;
      owed_watermark_.reset();
      return EmitWatermark(w);
    }
    return absl::OkStatus();
  }

  /// The group keys of a windowed key, in group order.
  absl::StatusOr<std::vector<types::Value>> DecodeKey(
      std::string_view key) const {
    std::vector<types::Value> out(c_->num_groups);
    auto damaged = [&] {
      return absl::DataLossError(
          fmt::format("GROUP BY: a window's key in store '{}' is damaged",
                      store_.store->name()));
    };
    if (!storage::DecodeKeyPrefix(&key).ok()) return damaged();
    absl::StatusOr<int64_t> end = storage::DecodeTime(&key);
    absl::StatusOr<int64_t> start = storage::DecodeTime(&key);
    if (!end.ok() || !start.ok()) return damaged();
    const types::Schema& schema = *c_->output_schema;
    auto time = [&](int group, int64_t micros) {
      return types::Value::Timestamp(
          micros, schema.field(static_cast<size_t>(group)).type.precision());
    };
    out[static_cast<size_t>(c_->window->end_group)] =
        time(c_->window->end_group, *end);
    out[static_cast<size_t>(c_->window->start_group)] =
        time(c_->window->start_group, *start);
    for (int k : other_groups_) {
      absl::StatusOr<types::Value> v =
          storage::DecodeValue(&key, schema.field(static_cast<size_t>(k)).type);
      if (!v.ok()) return damaged();
      out[static_cast<size_t>(k)] = *std::move(v);
    }
    if (!key.empty()) return damaged();
    return out;
  }

  /// Reads a group's entry into *out, reusing its state objects.
  absl::Status Decode(std::string_view in, GroupState* out) const {
    uint64_t count = 0;
    bool ok = GetU64(&in, &count);
    out->count = static_cast<int64_t>(count);
    if (ok) {
      WEIR_ASSIGN_OR_RETURN(ok,
                            ReadAccumulators(c_->kernels, &in, &out->states));
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
    AppendAccumulators(c_->kernels, group.states, out);
  }

  /// A new group: count 0 and every call's empty state (its objects
  /// reused).
  absl::Status ResetGroup(GroupState* group) const {
    group->count = 0;
    group->states.resize(c_->kernels.size());
    for (size_t a = 0; a < c_->kernels.size(); ++a) {
      WEIR_RETURN_IF_ERROR(
          c_->kernels[a]->DeserializeInto(empty_states_[a], &group->states[a]));
    }
    return absl::OkStatus();
  }

  std::vector<types::Value> KeyValues(const types::Batch& batch,
                                      uint32_t row) const {
    std::vector<types::Value> keys;
    KeysInto(batch, row, &keys);
    return keys;
  }

  /// The group keys of `row` into *keys (its capacity reused).
  void KeysInto(const types::Batch& batch, uint32_t row,
                std::vector<types::Value>* keys) const {
    keys->clear();
    for (int k : key_columns_)
      keys->push_back(batch.column(static_cast<size_t>(k)).GetValue(row));
  }

  /// Appends each call's result to *row, which holds the group keys.
  absl::Status AppendResults(const GroupState& group,
                             std::vector<types::Value>* row) const {
    std::vector<types::Value>& out = *row;
    for (size_t a = 0; a < c_->kernels.size(); ++a) {
      absl::StatusOr<types::Value> v = c_->kernels[a]->Result(*group.states[a]);
      if (!v.ok()) {
        return absl::Status(
            v.status().code(),
            fmt::format("GROUP BY: {} of group ({}): {}",
                        c_->kernels[a]->call().function,
                        GroupText(std::vector<types::Value>(
                            out.begin(),
                            out.begin() + static_cast<long>(c_->num_groups))),
                        std::string(v.status().message())));
      }
      out.push_back(*std::move(v));
    }
    return absl::OkStatus();
  }

  static std::string GroupText(const std::vector<types::Value>& keys) {
    std::string text;
    for (const types::Value& v : keys)
      text += (text.empty() ? "" : ", ") + v.ToString();
    return text;
  }

  /// Once, before the first event of a windowed aggregate: open_ from the
  /// entries in the store (state restored from a checkpoint), one seek per
  /// (key group, window end) that holds entries.
  absl::Status RebuildOpenWindows() {
    if (!c_->window || windows_rebuilt_) return absl::OkStatus();
    windows_rebuilt_ = true;
    storage::StateStore& store = *store_.store;
    const std::string op_end = storage::OperatorKeysEnd(store_.op);
    std::string from = storage::KeyPrefix(store_.op, 0);
    while (!from.empty()) {
      WEIR_RETURN_IF_ERROR(
          store.Seek(storage::KeyRange{from, op_end}, &scanner_));
      WEIR_RETURN_IF_ERROR(scanner_.status());
      if (!scanner_.Valid()) break;
      std::string_view key = scanner_.key();
      WEIR_ASSIGN_OR_RETURN(storage::DecodedPrefix prefix,
                            storage::DecodeKeyPrefix(&key));
      WEIR_ASSIGN_OR_RETURN(int64_t end, storage::DecodeTime(&key));
      MarkOpen(end, prefix.key_group);
      std::string window = storage::KeyPrefix(store_.op, prefix.key_group);
      storage::AppendTime(&window, end);
      from = storage::PrefixSuccessor(window);
    }
    return absl::OkStatus();
  }

  /// Queues one output row, in batches of at most the output budget.
  void Append(const std::vector<types::Value>& row, ChangeKind kind) {
    pending_.Append(row, kind, output_budget());
  }

  /// Emits one queued batch (at most the budget).
  absl::Status EmitPending() {
    std::optional<types::Batch> next = pending_.Pop();
    if (!next) return absl::OkStatus();
    return Emit(*std::move(next));
  }

  std::shared_ptr<const CompiledAggregate> c_;
  AggregateStore store_;
  std::vector<int> key_columns_;
  std::vector<int> other_groups_;  // groups other than the window's
  std::vector<uint64_t> hashes_;
  // AddInput's buffers, kept between batches: allocating them per batch
  // (some 100 KB) made glibc consolidate its free lists at every batch.
  std::vector<uint32_t> kept_rows_;
  std::vector<uint64_t> kept_hashes_;
  KeyedRows keyed_;
  std::vector<std::string*> values_;
  std::vector<GroupState> groups_;
  std::vector<char> existed_;
  std::vector<std::vector<types::Value>> old_rows_;
  std::vector<types::Value> new_row_;  // a result row being built
  GroupState fire_group_;              // a closing window's group
  /// Each kernel's state of a group with no rows, serialized.
  std::vector<std::string> empty_states_;
  std::vector<uint32_t> add_rows_, retract_rows_, add_groups_, retract_groups_;
  std::vector<expr::AggregateState*> update_states_;
  ChangeQueue pending_;
  // Windowed only.
  int64_t watermark_ = kNoWatermark;
  /// The (window_end, key group) pairs that hold state, by window_end.
  /// (A flag per key group rather than a set: marked per new group.)
  std::map<int64_t, std::vector<bool>> open_;
  int64_t last_open_end_ = 0;  // open_'s entry MarkOpen used last
  std::vector<bool>* last_open_ = nullptr;
  /// Closed windows not yet emitted and dropped, in key order.
  std::deque<std::pair<int64_t, int>> closing_;
  std::string resume_;  // where the scan of closing_.front() goes on
  storage::StateStore::Scanner scanner_;
  std::optional<int64_t> owed_watermark_;
  bool windows_rebuilt_ = false;
  // Global only: EnsureGlobalRow ran, or rows came first.
  bool global_row_checked_ = false;
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

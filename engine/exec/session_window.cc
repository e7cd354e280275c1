// SESSION windows: compiling the aggregate and the session operator
// (session_window.h says what and why).

#include "engine/exec/session_window.h"

#include <algorithm>
#include <limits>
#include <map>
#include <optional>
#include <string_view>

#include "engine/base/status.h"
#include "engine/exec/change_queue.h"
#include "engine/exec/key_hash.h"
#include "engine/exec/keyed_rows.h"
#include "engine/exec/operators.h"
#include "engine/exec/watermark.h"
#include "fmt/format.h"

namespace weir::exec {

using types::ChangeKind;

namespace {

constexpr int64_t kMaxTime = std::numeric_limits<int64_t>::max();
constexpr int64_t kMinTime = std::numeric_limits<int64_t>::min();

/// a + b and a - b for b >= 0, saturating at the ends of time.
int64_t AddSat(int64_t a, int64_t b) {
  return a > kMaxTime - b ? kMaxTime : a + b;
}
int64_t SubSat(int64_t a, int64_t b) {
  return a < kMinTime + b ? kMinTime : a - b;
}

/// Whether `e` reads one of the window's own columns (index >= `n`).
bool ReadsWindowColumns(const expr::BoundExprPtr& e, int n) {
  std::vector<int> cols;
  e->CollectColumns(&cols);
  return std::any_of(cols.begin(), cols.end(), [n](int c) { return c >= n; });
}

}  // namespace

// ------------------------------------------------------------ compiling

bool IsSessionAggregate(const sql::AggregateNode& node) {
  return node.window_start_group && node.window_end_group &&
         node.window_fn == sql::WindowFn::kSession;
}

std::string SessionWindowTitle(const sql::AggregateNode& node) {
  // As the logical EXPLAIN writes durations (engine/sql/explain.cc).
  auto duration = [](int64_t micros) {
    constexpr int64_t kSecond = 1000000;
    for (const auto& [unit, name] :
         {std::pair<int64_t, const char*>{86400 * kSecond, "d"},
          {3600 * kSecond, "h"},
          {60 * kSecond, "min"},
          {kSecond, "s"}}) {
      if (micros % unit == 0) return fmt::format("{}{}", micros / unit, name);
    }
    if (micros % 1000 == 0) return fmt::format("{}ms", micros / 1000);
    return fmt::format("{}us", micros);
  };
  const sql::PlanNode& in = *node.inputs[0];
  std::string out = fmt::format(
      "Session window (gap {}",
      in.kind == sql::PlanKind::kWindow
          ? duration(static_cast<const sql::WindowNode&>(in).size_micros)
          : std::string("?"));
  if (node.emit == sql::EmitPolicy::kOnWindowClose)
    out += ", emit on window close";
  if (node.allowed_lateness_micros > 0) {
    out += fmt::format(", allowed lateness {}",
                       duration(node.allowed_lateness_micros));
  }
  return out + ")";
}

absl::StatusOr<const sql::WindowNode*> SessionWindowOf(
    const sql::AggregateNode& node) {
  if (node.retracting) {
    return absl::UnimplementedError(
        "Aggregate over SESSION is not executable yet over a changelog input "
        "(updates or deletes): retracting a row could split its session");
  }
  const sql::PlanNode* in = node.inputs[0].get();
  if (in->kind != sql::PlanKind::kWindow ||
      static_cast<const sql::WindowNode*>(in)->fn != sql::WindowFn::kSession) {
    return absl::UnimplementedError(
        "Aggregate over SESSION is not executable yet unless it reads the "
        "window directly: a filter on window_start or window_end before the "
        "GROUP BY goes in HAVING instead (a session's bounds are known only "
        "after it is aggregated)");
  }
  const auto* window = static_cast<const sql::WindowNode*>(in);
  const int n = static_cast<int>(window->inputs[0]->schema.size());
  for (size_t i = 0; i < node.groups.size(); ++i) {
    const int g = static_cast<int>(i);
    if (g == *node.window_start_group || g == *node.window_end_group) continue;
    if (ReadsWindowColumns(node.groups[i], n)) {
      return absl::UnimplementedError(fmt::format(
          "Aggregate over SESSION is not executable yet: GROUP BY {} computes "
          "with window_start or window_end; group by them as plain columns",
          node.groups[i]->ToString()));
    }
  }
  for (const sql::AggregateCall& call : node.aggregates) {
    for (const expr::BoundExprPtr& arg : call.args) {
      if (ReadsWindowColumns(arg, n)) {
        return absl::UnimplementedError(fmt::format(
            "{} over SESSION is not executable yet: aggregating window_start "
            "or window_end (a session's bounds change as it grows)",
            call.display));
      }
    }
  }
  return window;
}

absl::StatusOr<std::shared_ptr<const types::Schema>> SessionInputSchema(
    const sql::AggregateNode& node) {
  WEIR_ASSIGN_OR_RETURN(const sql::WindowNode* window, SessionWindowOf(node));
  auto schema = std::make_shared<types::Schema>();
  for (size_t i = 0; i < node.groups.size(); ++i) {
    const int g = static_cast<int>(i);
    if (g == *node.window_start_group || g == *node.window_end_group) continue;
    schema->Add(
        types::Field{node.schema.field(i).name, node.groups[i]->type, true});
  }
  const types::Field& time =
      window->inputs[0]->schema.field(static_cast<size_t>(window->time_column));
  schema->Add(types::Field{time.name, time.type, true});
  WEIR_RETURN_IF_ERROR(AddArgumentFields(node, schema.get()));
  return std::shared_ptr<const types::Schema>(std::move(schema));
}

namespace {

/// Adds the window's input row and its source position to the input
/// projection of `c` (CompiledSession::row_column).
absl::Status CarryLateRows(const sql::WindowNode& window, CompiledSession* c) {
  const types::Schema& row = window.inputs[0]->schema;
  auto schema = std::make_shared<types::Schema>(*c->input_schema);
  c->row_column = static_cast<int>(schema->size());
  for (size_t i = 0; i < row.size(); ++i) {
    const types::Field& f = row.field(i);
    schema->Add(types::Field{f.name, f.type, true});
    WEIR_ASSIGN_OR_RETURN(auto column,
                          expr::CompiledExpr::Compile(expr::MakeColumn(
                              static_cast<int>(i), f.name, f.type, true)));
    c->input_exprs.push_back(std::move(column));
  }
  c->position_column = static_cast<int>(schema->size());
  schema->Add(types::Field{"$partition", types::LogicalType::Bigint(), false});
  schema->Add(types::Field{"$offset", types::LogicalType::Bigint(), false});
  c->row_schema = std::make_shared<types::Schema>(row);
  c->input_schema = std::move(schema);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::shared_ptr<const CompiledSession>> CompileSession(
    const sql::AggregateNode& node, bool carry_late_rows) {
  WEIR_ASSIGN_OR_RETURN(const sql::WindowNode* window, SessionWindowOf(node));
  auto out = std::make_shared<CompiledSession>();
  WEIR_ASSIGN_OR_RETURN(out->input_schema, SessionInputSchema(node));
  out->output_schema = std::make_shared<types::Schema>(node.schema);
  for (size_t i = 0; i < node.groups.size(); ++i) {
    const int g = static_cast<int>(i);
    if (g == *node.window_start_group) {
      out->group_sources.push_back(-1);
    } else if (g == *node.window_end_group) {
      out->group_sources.push_back(-2);
    } else {
      out->group_sources.push_back(static_cast<int>(out->num_keys++));
      WEIR_ASSIGN_OR_RETURN(auto c,
                            expr::CompiledExpr::Compile(node.groups[i]));
      out->input_exprs.push_back(std::move(c));
    }
  }
  const types::Field& time = out->input_schema->field(out->num_keys);
  WEIR_ASSIGN_OR_RETURN(auto time_expr,
                        expr::CompiledExpr::Compile(expr::MakeColumn(
                            window->time_column, time.name, time.type, true)));
  out->input_exprs.push_back(std::move(time_expr));
  out->time_precision = time.type.precision();
  out->gap_micros = window->size_micros;
  out->allowed_lateness_micros = node.allowed_lateness_micros;
  out->emit_on_close = node.emit == sql::EmitPolicy::kOnWindowClose;
  WEIR_RETURN_IF_ERROR(CompileAggregateCalls(
      node, static_cast<int>(out->num_keys) + 1, &out->input_exprs,
      &out->kernels, &out->arg_columns));
  if (carry_late_rows) WEIR_RETURN_IF_ERROR(CarryLateRows(*window, out.get()));
  return std::shared_ptr<const CompiledSession>(std::move(out));
}

// ------------------------------------------------------------ the operator

namespace {

/// Tags after the key prefix: a key's sessions, and the timers.
constexpr char kSessionsTag = 0x01;
constexpr char kTimersTag = 0x02;
/// operator id | key group, then the tag.
constexpr size_t kPrefixBytes = 6;

/// One open session of a key.
struct Session {
  int64_t start = 0;
  int64_t end = 0;
  std::vector<std::unique_ptr<expr::AggregateState>> states;
};

void PutI64(std::string* out, int64_t v) {
  PutU64(out, static_cast<uint64_t>(v));
}

bool GetI64(std::string_view* in, int64_t* v) {
  uint64_t u = 0;
  if (!GetU64(in, &u)) return false;
  *v = static_cast<int64_t>(u);
  return true;
}

class SessionWindowOperator : public Operator {
 public:
  SessionWindowOperator(std::shared_ptr<const CompiledSession> compiled,
                        AggregateStore store, LateRowOutput late)
      : c_(std::move(compiled)),
        store_(std::move(store)),
        late_(std::move(late)),
        pending_(c_->output_schema) {
    for (size_t k = 0; k < c_->num_keys; ++k)
      key_columns_.push_back(static_cast<int>(k));
  }

  absl::Status AddInput(types::Batch batch) override {
    WEIR_RETURN_IF_ERROR(RebuildTimerIndex());
    const size_t live = batch.num_selected();
    if (live == 0) return absl::OkStatus();
    KeyHash(batch, key_columns_, &hashes_);
    const types::Column& time = batch.column(c_->num_keys);
    const int64_t late_below = SubSat(watermark_, c_->allowed_lateness_micros);

    // The rows that belong to a session, with their key hashes (member
    // buffers, reused from batch to batch).
    std::vector<uint32_t>& rows = kept_rows_;
    std::vector<uint64_t>& hashes = kept_hashes_;
    rows.clear();
    hashes.clear();
    int64_t late = 0;
    for (size_t i = 0; i < live; ++i) {
      const uint32_t row = batch.has_selection() ? batch.selection()[i]
                                                 : static_cast<uint32_t>(i);
      const ChangeKind kind = batch.change(row);
      if (kind == ChangeKind::kDelete || kind == ChangeKind::kUpdateBefore) {
        return absl::FailedPreconditionError(
            "SESSION window: the input retracts a row; session windows take "
            "append-only input");
      }
      if (time.IsNull(row)) continue;
      if (time.ints()[row] < late_below) {
        ++late;
        if (late_.sink && c_->position_column >= 0)
          KeepLateRow(batch, row, late_below);
        continue;
      }
      rows.push_back(row);
      hashes.push_back(hashes_[i]);
    }
    if (late > 0 && late_.counter != nullptr)
      late_.counter->fetch_add(late, std::memory_order_relaxed);
    if (!late_rows_out_.empty()) {
      absl::Status written = late_.sink->Write(*c_->row_schema, late_rows_out_);
      late_rows_out_.clear();
      WEIR_RETURN_IF_ERROR(written);
    }
    if (rows.empty()) return absl::OkStatus();

    // The batch's keys in order of first appearance.
    KeyedRows& keyed = keyed_;
    GroupRowsByKey(
        rows, hashes, store_.op, store_.max_parallelism,
        [&](uint32_t row, std::string* key) {
          key->push_back(kSessionsTag);
          for (int k : key_columns_) {
            storage::AppendColumnValue(
                key, batch.column(static_cast<size_t>(k)), row);
          }
        },
        &keyed);
    const size_t n = keyed.num_groups();
    const std::vector<std::string_view>& key_views = keyed.GroupKeys();

    storage::StateStore& store = *store_.store;
    storage::StateStore::BatchScope scope(&store);
    WEIR_RETURN_IF_ERROR(store.Prefetch(key_views));

    // Each key's rows (MergeRows orders them by time).
    std::vector<std::vector<uint32_t>>& rows_of = rows_of_;
    if (rows_of.size() < n) rows_of.resize(n);
    for (size_t g = 0; g < n; ++g) rows_of[g].clear();
    for (size_t i = 0; i < rows.size(); ++i)
      rows_of[keyed.group_of[i]].push_back(rows[i]);

    std::vector<uint32_t> add_rows;
    std::vector<std::vector<expr::AggregateState*>> add_states(
        c_->kernels.size());
    std::vector<KeyChange> changes(n);
    for (size_t g = 0; g < n; ++g) {
      WEIR_ASSIGN_OR_RETURN(storage::StateStore::Slot slot,
                            store.Mutable(key_views[g]));
      KeyChange& change = changes[g];
      change.value = slot.value;
      if (slot.existed) {
        WEIR_RETURN_IF_ERROR(Decode(*slot.value, &change.old_sessions));
      }
      WEIR_RETURN_IF_ERROR(
          MergeRows(batch, rows_of[g], &change, &add_rows, &add_states));
    }

    // One kernel call per aggregate for the whole batch.
    for (size_t a = 0; a < c_->kernels.size(); ++a) {
      const int col = c_->arg_columns[a];
      const types::Column* input =
          col < 0 ? nullptr : &batch.column(static_cast<size_t>(col));
      absl::Status st =
          c_->kernels[a]->Update(input, add_rows, add_states[a], false);
      if (!st.ok()) {
        return absl::Status(st.code(),
                            "SESSION window: " + std::string(st.message()));
      }
    }

    // The changes, the entries and the timers.
    for (size_t g = 0; g < n; ++g) {
      KeyChange& change = changes[g];
      const std::string_view key_bytes = key_views[g].substr(kPrefixBytes + 1);
      if (!c_->emit_on_close) {
        std::vector<types::Value> key_values;
        const uint32_t first_row = rows[keyed.first_row[g]];
        for (int k : key_columns_) {
          key_values.push_back(
              batch.column(static_cast<size_t>(k)).GetValue(first_row));
        }
        WEIR_RETURN_IF_ERROR(EmitChanges(key_values, change));
      }
      for (const auto& [old_end, new_end] : change.moved_timers) {
        if (old_end == new_end) continue;
        if (old_end != kNoTimer) {
          WEIR_RETURN_IF_ERROR(
              store.Delete(TimerKey(key_views[g], old_end, key_bytes)));
        }
        if (new_end != kNoTimer) {
          WEIR_RETURN_IF_ERROR(
              store.Put(TimerKey(key_views[g], new_end, key_bytes), ""));
          auto [it, added] = next_timer_.emplace(keyed.key_group[g], new_end);
          if (!added) it->second = std::min(it->second, new_end);
        }
      }
      Encode(change.new_sessions, change.value);
    }
    WEIR_RETURN_IF_ERROR(scope.Close());
    return Drain();
  }

  absl::Status OnWatermark(int64_t micros) override {
    WEIR_RETURN_IF_ERROR(RebuildTimerIndex());
    if (micros <= watermark_) return EmitWatermark(micros);
    watermark_ = micros;
    close_up_to_ = SubSat(micros, c_->allowed_lateness_micros);
    closing_ = true;
    watermark_owed_ = true;
    return Drain();
  }

  bool HasPendingOutput() const override {
    return !pending_.empty() || closing_ || watermark_owed_;
  }
  absl::Status ContinueOutput() override { return Drain(); }

 private:
  static constexpr int64_t kNoTimer = kMinTime;

  /// What a batch does to one key's sessions.
  struct KeyChange {
    std::string* value = nullptr;  // the entry (valid in the BatchScope)
    std::vector<Session> old_sessions;
    /// Results of the old sessions this batch changes (updates mode).
    std::vector<std::optional<std::vector<types::Value>>> old_results;
    /// Per new session: the old session with its bounds, if any.
    std::vector<int> same_bounds;
    /// Per new session: whether the batch changed it.
    std::vector<bool> touched;
    std::vector<Session> new_sessions;
    /// (old end, new end) of each timer to move (kNoTimer: none).
    std::vector<std::pair<int64_t, int64_t>> moved_timers;
  };

  /// Merges the rows `rows` (of one key) into its sessions: sweeps the old
  /// sessions and the rows' windows [t, t + gap) in start order, joining
  /// those that overlap; queues each row's accumulator update.
  absl::Status MergeRows(
      const types::Batch& batch, const std::vector<uint32_t>& rows,
      KeyChange* change, std::vector<uint32_t>* add_rows,
      std::vector<std::vector<expr::AggregateState*>>* add_states) {
    struct Piece {
      int64_t start;
      int64_t end;
      int old;       // old session index, or -1 for a row
      uint32_t row;  // for a row
    };
    const int64_t* times = batch.column(c_->num_keys).ints();
    std::vector<Piece> pieces;
    std::vector<Session>& olds = change->old_sessions;
    for (size_t s = 0; s < olds.size(); ++s)
      pieces.push_back({olds[s].start, olds[s].end, static_cast<int>(s), 0});
    for (uint32_t r : rows)
      pieces.push_back({times[r], AddSat(times[r], c_->gap_micros), -1, r});
    std::stable_sort(
        pieces.begin(), pieces.end(),
        [](const Piece& a, const Piece& b) { return a.start < b.start; });
    // Group the pieces into the new sessions.
    std::vector<std::vector<const Piece*>> members;
    std::vector<Session>& news = change->new_sessions;
    for (const Piece& p : pieces) {
      if (news.empty() || p.start >= news.back().end) {
        news.push_back(Session{p.start, p.end, {}});
        members.emplace_back();
      } else {
        news.back().end = std::max(news.back().end, p.end);
      }
      members.back().push_back(&p);
    }
    change->old_results.resize(olds.size());
    change->same_bounds.assign(news.size(), -1);
    change->touched.assign(news.size(), false);
    for (size_t s = 0; s < news.size(); ++s) {
      Session& session = news[s];
      const auto& parts = members[s];
      const bool unchanged = parts.size() == 1 && parts[0]->old >= 0;
      change->touched[s] = !unchanged;
      // The old results first: merging changes the accumulators.
      int64_t kept_end = kNoTimer;
      for (const Piece* p : parts) {
        if (p->old < 0) continue;
        const Session& old = olds[static_cast<size_t>(p->old)];
        if (old.start == session.start && old.end == session.end)
          change->same_bounds[s] = p->old;
        if (unchanged) continue;
        if (old.end == session.end) {
          kept_end = old.end;
        } else {
          change->moved_timers.emplace_back(old.end, kNoTimer);
        }
        if (!c_->emit_on_close) {
          WEIR_ASSIGN_OR_RETURN(auto result, Results(old));
          change->old_results[static_cast<size_t>(p->old)] = std::move(result);
        }
      }
      if (!unchanged && kept_end == kNoTimer)
        change->moved_timers.emplace_back(kNoTimer, session.end);
      // The accumulators: the first old session's, the others merged in.
      for (const Piece* p : parts) {
        if (p->old < 0) continue;
        Session& old = olds[static_cast<size_t>(p->old)];
        if (session.states.empty()) {
          session.states = std::move(old.states);
          continue;
        }
        for (size_t a = 0; a < c_->kernels.size(); ++a)
          c_->kernels[a]->Merge(session.states[a].get(), *old.states[a]);
      }
      if (session.states.empty()) {
        for (const auto& kernel : c_->kernels)
          session.states.push_back(kernel->NewState());
      }
      for (const Piece* p : parts) {
        if (p->old >= 0) continue;
        add_rows->push_back(p->row);
        for (size_t a = 0; a < c_->kernels.size(); ++a)
          (*add_states)[a].push_back(session.states[a].get());
      }
    }
    return absl::OkStatus();
  }

  /// Updates mode: per changed session, -U/+U when it kept its bounds,
  /// else -D of each old session it replaced and +I of it.
  absl::Status EmitChanges(const std::vector<types::Value>& key,
                           const KeyChange& change) {
    std::vector<std::vector<types::Value>> inserts;
    std::vector<ChangeKind> insert_kinds;
    for (size_t s = 0; s < change.new_sessions.size(); ++s) {
      if (!change.touched[s]) continue;
      WEIR_ASSIGN_OR_RETURN(auto now, Results(change.new_sessions[s]));
      const int same = change.same_bounds[s];
      if (same >= 0) {
        const auto& old = *change.old_results[static_cast<size_t>(same)];
        if (old == now) continue;
        Append(Row(key, change.old_sessions[static_cast<size_t>(same)], old),
               ChangeKind::kUpdateBefore);
        inserts.push_back(Row(key, change.new_sessions[s], now));
        insert_kinds.push_back(ChangeKind::kUpdateAfter);
        continue;
      }
      inserts.push_back(Row(key, change.new_sessions[s], now));
      insert_kinds.push_back(ChangeKind::kInsert);
    }
    for (size_t o = 0; o < change.old_sessions.size(); ++o) {
      const auto& old = change.old_results[o];
      if (!old) continue;
      const bool kept =
          std::find(change.same_bounds.begin(), change.same_bounds.end(),
                    static_cast<int>(o)) != change.same_bounds.end();
      if (!kept)
        Append(Row(key, change.old_sessions[o], *old), ChangeKind::kDelete);
    }
    for (size_t i = 0; i < inserts.size(); ++i)
      Append(inserts[i], insert_kinds[i]);
    return absl::OkStatus();
  }

  /// Emits owed rows (one batch per call), closes due sessions (at most
  /// the budget per call), then forwards the owed watermark.
  absl::Status Drain() {
    if (pending_.empty() && closing_) WEIR_RETURN_IF_ERROR(CloseSessions());
    if (std::optional<types::Batch> next = pending_.Pop())
      WEIR_RETURN_IF_ERROR(Emit(*std::move(next)));
    if (pending_.empty() && !closing_ && watermark_owed_) {
      watermark_owed_ = false;
      return EmitWatermark(watermark_);
    }
    return absl::OkStatus();
  }

  /// Once, before the first event: next_timer_ from the timers in the
  /// store (state restored from a checkpoint), one seek per key group that
  /// holds entries.
  absl::Status RebuildTimerIndex() {
    if (timers_rebuilt_) return absl::OkStatus();
    timers_rebuilt_ = true;
    storage::StateStore& store = *store_.store;
    const std::string op_end = storage::OperatorKeysEnd(store_.op);
    std::string from = storage::KeyPrefix(store_.op, 0);
    while (true) {
      WEIR_RETURN_IF_ERROR(
          store.Seek(storage::KeyRange{from, op_end}, &scanner_));
      WEIR_RETURN_IF_ERROR(scanner_.status());
      if (!scanner_.Valid()) break;
      std::string_view key = scanner_.key();
      WEIR_ASSIGN_OR_RETURN(storage::DecodedPrefix prefix,
                            storage::DecodeKeyPrefix(&key));
      std::string timers = storage::KeyPrefix(store_.op, prefix.key_group);
      timers.push_back(kTimersTag);
      WEIR_RETURN_IF_ERROR(store.Seek(
          storage::KeyRange{timers, storage::PrefixSuccessor(timers)},
          &scanner_));
      WEIR_RETURN_IF_ERROR(scanner_.status());
      if (scanner_.Valid()) {
        std::string_view rest = scanner_.key().substr(timers.size());
        WEIR_ASSIGN_OR_RETURN(next_timer_[prefix.key_group],
                              storage::DecodeTime(&rest));
      }
      from = storage::PrefixSuccessor(
          storage::KeyPrefix(store_.op, prefix.key_group));
      if (from.empty()) break;
    }
    return absl::OkStatus();
  }

  /// Closes up to output_budget() sessions whose end is at most
  /// close_up_to_, key group by key group; clears closing_ when none is
  /// left.
  absl::Status CloseSessions() {
    storage::StateStore& store = *store_.store;
    size_t budget = output_budget();
    for (auto it = next_timer_.begin(); it != next_timer_.end();) {
      if (it->second > close_up_to_) {
        ++it;
        continue;
      }
      std::string begin = storage::KeyPrefix(store_.op, it->first);
      begin.push_back(kTimersTag);
      // One scan of the key group's timers: the due ones are closed, the
      // first one after them is the key group's earliest timer left.
      WEIR_RETURN_IF_ERROR(store.Seek(
          storage::KeyRange{begin, storage::PrefixSuccessor(begin)},
          &scanner_));
      int64_t next = kNoTimer;
      for (; scanner_.Valid(); scanner_.Next()) {
        std::string_view rest = scanner_.key().substr(begin.size());
        WEIR_ASSIGN_OR_RETURN(const int64_t end, storage::DecodeTime(&rest));
        if (end > close_up_to_) {
          next = end;
          break;
        }
        if (budget == 0) return absl::OkStatus();  // budget spent
        WEIR_RETURN_IF_ERROR(CloseSession(std::string(scanner_.key())));
        --budget;
      }
      WEIR_RETURN_IF_ERROR(scanner_.status());
      if (next == kNoTimer) {
        it = next_timer_.erase(it);
        continue;
      }
      it->second = next;
      ++it;
      if (budget == 0) break;
    }
    closing_ =
        std::any_of(next_timer_.begin(), next_timer_.end(),
                    [&](const auto& t) { return t.second <= close_up_to_; });
    return absl::OkStatus();
  }

  /// Closes the session of timer `timer_key`: emits its final row (EMIT ON
  /// WINDOW CLOSE), drops it from its key's entry and deletes the timer.
  absl::Status CloseSession(const std::string& timer_key) {
    storage::StateStore& store = *store_.store;
    std::string_view rest =
        std::string_view(timer_key).substr(kPrefixBytes + 1);
    WEIR_ASSIGN_OR_RETURN(int64_t end, storage::DecodeTime(&rest));
    std::string key = timer_key.substr(0, kPrefixBytes);
    key.push_back(kSessionsTag);
    key.append(rest);
    WEIR_ASSIGN_OR_RETURN(storage::StateStore::Slot slot, store.Mutable(key));
    std::vector<Session> sessions;
    if (slot.existed) WEIR_RETURN_IF_ERROR(Decode(*slot.value, &sessions));
    auto at = std::find_if(sessions.begin(), sessions.end(),
                           [end](const Session& s) { return s.end == end; });
    if (at == sessions.end()) return Damaged();
    if (c_->emit_on_close) {
      std::vector<types::Value> key_values;
      for (size_t k = 0; k < c_->num_keys; ++k) {
        WEIR_ASSIGN_OR_RETURN(
            types::Value v,
            storage::DecodeValue(&rest, c_->input_schema->field(k).type));
        key_values.push_back(std::move(v));
      }
      WEIR_ASSIGN_OR_RETURN(auto results, Results(*at));
      Append(Row(key_values, *at, results), ChangeKind::kInsert);
    }
    sessions.erase(at);
    if (sessions.empty()) {
      WEIR_RETURN_IF_ERROR(store.Delete(key));
    } else {
      Encode(sessions, slot.value);
    }
    return store.Delete(timer_key);
  }

  static std::string TimerKey(std::string_view sessions_key, int64_t end,
                              std::string_view key_bytes) {
    std::string out(sessions_key.substr(0, kPrefixBytes));
    out.push_back(kTimersTag);
    storage::AppendTime(&out, end);
    out.append(key_bytes);
    return out;
  }

  absl::Status Damaged() const {
    return absl::DataLossError(fmt::format(
        "SESSION window: the sessions of a key in store '{}' are damaged",
        store_.store->name()));
  }

  absl::Status Decode(std::string_view in, std::vector<Session>* out) const {
    int64_t count = 0;
    if (!GetI64(&in, &count) || count < 0) return Damaged();
    for (int64_t s = 0; s < count; ++s) {
      Session session;
      if (!GetI64(&in, &session.start) || !GetI64(&in, &session.end))
        return Damaged();
      WEIR_ASSIGN_OR_RETURN(
          bool ok, ReadAccumulators(c_->kernels, &in, &session.states));
      if (!ok) return Damaged();
      out->push_back(std::move(session));
    }
    return in.empty() ? absl::OkStatus() : Damaged();
  }

  void Encode(const std::vector<Session>& sessions, std::string* out) const {
    out->clear();
    PutI64(out, static_cast<int64_t>(sessions.size()));
    for (const Session& s : sessions) {
      PutI64(out, s.start);
      PutI64(out, s.end);
      AppendAccumulators(c_->kernels, s.states, out);
    }
  }

  /// Each call's result for `session`.
  absl::StatusOr<std::vector<types::Value>> Results(
      const Session& session) const {
    std::vector<types::Value> out;
    for (size_t a = 0; a < c_->kernels.size(); ++a) {
      absl::StatusOr<types::Value> v =
          c_->kernels[a]->Result(*session.states[a]);
      if (!v.ok()) {
        return absl::Status(
            v.status().code(),
            fmt::format("SESSION window: {} of the session starting at {}: {}",
                        c_->kernels[a]->call().function,
                        types::FormatTimestamp(session.start, 6),
                        std::string(v.status().message())));
      }
      out.push_back(*std::move(v));
    }
    return out;
  }

  /// The output row: the group columns (keys and the session's bounds in
  /// GROUP BY order), then the results.
  std::vector<types::Value> Row(
      const std::vector<types::Value>& key, const Session& session,
      const std::vector<types::Value>& results) const {
    std::vector<types::Value> out;
    out.reserve(c_->group_sources.size() + results.size());
    for (int source : c_->group_sources) {
      if (source >= 0) {
        out.push_back(key[static_cast<size_t>(source)]);
      } else {
        out.push_back(types::Value::Timestamp(
            source == -1 ? session.start : session.end, c_->time_precision));
      }
    }
    out.insert(out.end(), results.begin(), results.end());
    return out;
  }

  /// Keeps late row `row` of `batch` (its time is below `late_below`, the
  /// watermark less the lateness) for the dead-letter topic.
  void KeepLateRow(const types::Batch& batch, uint32_t row,
                   int64_t late_below) {
    LateRow out;
    for (int c = c_->row_column; c < c_->position_column; ++c)
      out.values.push_back(batch.column(static_cast<size_t>(c)).GetValue(row));
    const auto pos = static_cast<size_t>(c_->position_column);
    out.position.partition =
        static_cast<int32_t>(batch.column(pos).ints()[row]);
    out.position.offset = batch.column(pos + 1).ints()[row];
    const int64_t t = batch.column(c_->num_keys).ints()[row];
    out.reason =
        LateReason(fmt::format("event time {}", LateTime(t)), watermark_,
                   c_->allowed_lateness_micros, late_below - t);
    late_rows_out_.push_back(std::move(out));
  }

  /// Queues one output row, in batches of at most the output budget.
  void Append(const std::vector<types::Value>& row, ChangeKind kind) {
    pending_.Append(row, kind, output_budget());
  }

  std::shared_ptr<const CompiledSession> c_;
  AggregateStore store_;
  LateRowOutput late_;
  std::vector<LateRow> late_rows_out_;  // this batch's, for the sink
  std::vector<int> key_columns_;
  std::vector<uint64_t> hashes_;
  // AddInput's buffers, kept between batches.
  std::vector<uint32_t> kept_rows_;
  std::vector<uint64_t> kept_hashes_;
  KeyedRows keyed_;
  std::vector<std::vector<uint32_t>> rows_of_;
  ChangeQueue pending_;
  storage::StateStore::Scanner scanner_;
  /// The last watermark received.
  int64_t watermark_ = kNoWatermark;
  /// Sessions ending at or before this close (watermark - lateness).
  int64_t close_up_to_ = kMinTime;
  bool closing_ = false;
  bool watermark_owed_ = false;
  /// Per key group with open sessions: at most its earliest timer's end.
  std::map<int, int64_t> next_timer_;
  bool timers_rebuilt_ = false;
};

}  // namespace

void MakeSessionInputOperators(std::shared_ptr<const CompiledSession> compiled,
                               RowErrorFn row_error,
                               const RowPositions* positions,
                               std::vector<std::unique_ptr<Operator>>* out) {
  if (compiled->position_column < 0) {
    out->push_back(MakeProjectOperator(compiled->input_exprs,
                                       compiled->input_schema, row_error));
    return;
  }
  // The projection computes every column but the two positions, which the
  // next operator adds.
  auto projected = std::make_shared<types::Schema>();
  for (int i = 0; i < compiled->position_column; ++i)
    projected->Add(compiled->input_schema->field(static_cast<size_t>(i)));
  out->push_back(
      MakeProjectOperator(compiled->input_exprs, projected, row_error));
  out->push_back(MakeRowPositionsOperator(compiled->input_schema, positions));
}

std::unique_ptr<Operator> MakeSessionWindowOperator(
    std::shared_ptr<const CompiledSession> compiled, AggregateStore store,
    LateRowOutput late) {
  return std::make_unique<SessionWindowOperator>(
      std::move(compiled), std::move(store), std::move(late));
}

}  // namespace weir::exec

#include "engine/exec/checkpoint.h"

#include <xxhash.h>

#include <charconv>
#include <ctime>

#include "engine/base/failpoint.h"
#include "fmt/format.h"

namespace weir::exec {

// ------------------------------------------------------------- metadata

// The metadata is text, so that `strings COMMIT` shows what a query's
// checkpoint is of:
//   weir-checkpoint 1
//   fingerprint <hex>
//   sources <n>
//   source <i> <partition>:<offset>,...   (or "none")
//   plan
//   <the physical plan, to the end>

namespace {

constexpr std::string_view kMagic = "weir-checkpoint 1";

bool ParseInt(std::string_view s, int64_t* out) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && end == s.data() + s.size();
}

/// The next line of `*in` (without its '\n'); false at the end.
bool NextLine(std::string_view* in, std::string_view* line) {
  if (in->empty()) return false;
  const size_t nl = in->find('\n');
  *line = in->substr(0, nl);
  *in = nl == std::string_view::npos ? std::string_view() : in->substr(nl + 1);
  return true;
}

bool ParsePosition(std::string_view s, std::optional<SourcePosition>* out) {
  if (s == "none") {
    out->reset();
    return true;
  }
  SourcePosition p;
  while (!s.empty()) {
    const size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    s = comma == std::string_view::npos ? std::string_view()
                                        : s.substr(comma + 1);
    const size_t colon = part.find(':');
    int64_t partition = 0, offset = 0;
    if (colon == std::string_view::npos ||
        !ParseInt(part.substr(0, colon), &partition) ||
        !ParseInt(part.substr(colon + 1), &offset))
      return false;
    p[static_cast<int32_t>(partition)] = offset;
  }
  *out = std::move(p);
  return true;
}

}  // namespace

std::string CheckpointMetadata::Encode() const {
  std::string out(kMagic);
  out += fmt::format("\nfingerprint {}\nsources {}\n", fingerprint,
                     positions.size());
  for (size_t i = 0; i < positions.size(); ++i) {
    out += fmt::format("source {} ", i);
    if (!positions[i]) {
      out += "none";
    } else {
      bool first = true;
      for (const auto& [partition, offset] : *positions[i]) {
        out += fmt::format("{}{}:{}", first ? "" : ",", partition, offset);
        first = false;
      }
    }
    out += '\n';
  }
  if (!watermarks.empty()) {
    out += "watermarks";
    for (size_t i = 0; i < watermarks.size(); ++i)
      out += fmt::format("{}{}", i == 0 ? " " : ",", watermarks[i]);
    out += '\n';
  }
  out += "plan\n";
  out += plan;
  return out;
}

absl::StatusOr<CheckpointMetadata> CheckpointMetadata::Decode(
    std::string_view bytes, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return absl::DataLossError(fmt::format(
        "the checkpoint metadata of {} is damaged ({})", what, why));
  };
  CheckpointMetadata m;
  std::string_view line;
  if (!NextLine(&bytes, &line) || line != kMagic) return bad("no header");
  if (!NextLine(&bytes, &line) || line.substr(0, 12) != "fingerprint ")
    return bad("no fingerprint");
  m.fingerprint = std::string(line.substr(12));
  int64_t n = 0;
  if (!NextLine(&bytes, &line) || line.substr(0, 8) != "sources " ||
      !ParseInt(line.substr(8), &n) || n < 0 || n > 1 << 20)
    return bad("no source count");
  m.positions.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const std::string prefix = fmt::format("source {} ", i);
    if (!NextLine(&bytes, &line) || line.substr(0, prefix.size()) != prefix ||
        !ParsePosition(line.substr(prefix.size()),
                       &m.positions[static_cast<size_t>(i)]))
      return bad(fmt::format("source {}", i));
  }
  if (!NextLine(&bytes, &line)) return bad("no plan");
  if (line.substr(0, 11) == "watermarks ") {
    // Optional (records written before watermarks were kept lack it).
    std::string_view rest = line.substr(11);
    while (!rest.empty()) {
      const size_t comma = rest.find(',');
      int64_t wm = 0;
      if (!ParseInt(rest.substr(0, comma), &wm)) return bad("watermarks");
      m.watermarks.push_back(wm);
      rest = comma == std::string_view::npos ? std::string_view()
                                             : rest.substr(comma + 1);
    }
    if (!NextLine(&bytes, &line)) return bad("no plan");
  }
  if (line != "plan") return bad("no plan");
  m.plan = std::string(bytes);
  return m;
}

std::string CheckpointText(const std::optional<CheckpointInfo>& last,
                           uint64_t resumed_from) {
  std::string text;
  if (last) {
    const std::time_t t = std::chrono::system_clock::to_time_t(last->completed);
    std::tm tm{};
    ::gmtime_r(&t, &tm);
    const double bytes = static_cast<double>(last->bytes);
    std::string size =
        last->bytes < 1024 ? fmt::format("{} B", last->bytes)
        : bytes < 1024.0 * 1024 ? fmt::format("{:.1f} KiB", bytes / 1024)
        : fmt::format("{:.1f} MiB", bytes / (1024.0 * 1024));
    text = fmt::format("{} at {:02}:{:02}:{:02} UTC, {} ms, {}", last->id,
                       tm.tm_hour, tm.tm_min, tm.tm_sec,
                       last->duration.count(), size);
  }
  if (resumed_from > 0) {
    text += fmt::format("{}resumed from {}", text.empty() ? "" : "; ",
                        resumed_from);
  }
  return text;
}

std::string PlanFingerprint(std::string_view plan_text) {
  return fmt::format("{:016x}", XXH3_64bits(plan_text.data(), plan_text.size()));
}

// ---------------------------------------------------------- coordinator

Checkpointer::Checkpointer(Options options)
    : options_(std::move(options)),
      last_started_(options_.resumed_from),
      ended_(options_.tasks.size(), false),
      final_positions_(options_.tasks.size()),
      finished_(options_.tasks.size(), false),
      committed_(options_.resumed_from) {}

Checkpointer::~Checkpointer() { Stop(); }

void Checkpointer::Start() {
  thread_ = std::thread([this] { Run(); });
}

void Checkpointer::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (!thread_.joinable()) return;  // never started, or stopped before
  thread_.join();
  Done();
}

void Checkpointer::Done() {
  if (!done_called_.exchange(true) && options_.on_done) options_.on_done();
}

uint64_t Checkpointer::FinalId() {
  std::lock_guard lock(mu_);
  if (final_id_ == 0) final_id_ = last_started_ + 1;
  return final_id_;
}

void Checkpointer::Ack(int task, CheckpointId id,
                       std::optional<SourcePosition> position,
                       uint64_t bytes, int64_t watermark) {
  std::lock_guard lock(mu_);
  if (!pending_ || pending_->id != ToInt(id)) return;  // dropped
  const size_t t = static_cast<size_t>(task);
  pending_->acked[t] = true;
  pending_->bytes += bytes;
  pending_->watermarks[t] = watermark;
  const int source = options_.tasks[t].source;
  if (source >= 0)
    pending_->positions[static_cast<size_t>(source)] = std::move(position);
  Evaluate();
}

void Checkpointer::Ended(int task, TaskEnd end) {
  std::lock_guard lock(mu_);
  const size_t t = static_cast<size_t>(task);
  if (!ended_[t]) ++ended_count_;
  ended_[t] = true;
  final_positions_[t] = std::move(end.final_position);
  finished_[t] = end.finished;
  final_bytes_ += end.bytes;
  if (pending_) Evaluate();
  if (ended_count_ == ended_.size()) cv_.notify_all();
}

void Checkpointer::Evaluate() {
  if (ready_) return;
  for (size_t t = 0; t < options_.tasks.size(); ++t) {
    if (pending_->acked[t]) continue;
    if (!ended_[t]) return;  // still to come
    const TaskInfo& info = options_.tasks[t];
    // An ended task holding state never takes this checkpoint; an ended
    // source task whose rows did not all go downstream has no position.
    if (info.has_stores || (info.source >= 0 && !final_positions_[t])) {
      dropped_ = pending_->id;
      pending_.reset();  // the next one is started at the next interval
      cv_.notify_all();
      return;
    }
    if (info.source >= 0)
      pending_->positions[static_cast<size_t>(info.source)] =
          final_positions_[t];
  }
  ready_ = true;
  cv_.notify_all();
}

void Checkpointer::Run() {
  using SteadyClock = std::chrono::steady_clock;
  auto next = SteadyClock::now() + options_.interval;
  std::unique_lock lock(mu_);
  while (!stop_) {
    // Every task ended: the final checkpoint, once the one running is over.
    auto final_due = [&] {
      return !final_handled_ && !pending_ && ended_count_ == ended_.size();
    };
    cv_.wait_until(lock, next, [&] {
      return stop_ || ready_ || dropped_ != 0 || final_due();
    });
    if (stop_) break;
    if (dropped_ != 0) {
      // Sinks waiting for its commit go on (it goes with the next one).
      const uint64_t id = std::exchange(dropped_, 0);
      lock.unlock();
      for (const auto& committer : options_.committers)
        committer->CheckpointDone(id);
      if (options_.on_commit) options_.on_commit();
      lock.lock();
      continue;
    }
    if (ready_) {
      ready_ = false;
      Pending p = std::move(*pending_);
      pending_.reset();
      lock.unlock();
      Complete(std::move(p));
      lock.lock();
      continue;
    }
    if (final_due()) {
      final_handled_ = true;
      std::optional<Pending> final = FinalLocked();
      lock.unlock();
      if (final) Complete(std::move(*final));
      Done();
      lock.lock();
      continue;
    }
    const auto now = SteadyClock::now();
    if (now < next) continue;
    next = now + options_.interval;
    if (final_id_ != 0) continue;  // tasks are ending: only the final one
    if (pending_) {
      ++skipped_;  // the one before is still running: skip, do not queue
      continue;
    }
    bool any_live = false;
    for (bool e : ended_) any_live |= !e;
    if (!any_live) continue;
    Pending p;
    p.id = ++last_started_;
    p.started = now;
    p.acked.assign(options_.tasks.size(), false);
    p.positions.resize(static_cast<size_t>(options_.num_sources));
    p.watermarks.assign(options_.tasks.size(), kNoWatermark);
    pending_ = std::move(p);
    const uint64_t id = pending_->id;
    lock.unlock();
    options_.inject(CheckpointId{id});
    lock.lock();
  }
}

std::optional<Checkpointer::Pending> Checkpointer::FinalLocked() {
  for (size_t t = 0; t < options_.tasks.size(); ++t) {
    if (!finished_[t]) return std::nullopt;  // stopped, failed, rows lost
    // A task with stores that finished took FinalId(), so final_id_ is set.
    if (options_.tasks[t].source >= 0 && !final_positions_[t])
      return std::nullopt;
  }
  Pending p;
  p.id = final_id_ != 0 ? final_id_ : last_started_ + 1;
  last_started_ = p.id;
  p.started = std::chrono::steady_clock::now();
  p.positions.resize(static_cast<size_t>(options_.num_sources));
  for (size_t t = 0; t < options_.tasks.size(); ++t) {
    const int source = options_.tasks[t].source;
    if (source >= 0)
      p.positions[static_cast<size_t>(source)] = final_positions_[t];
  }
  p.bytes = final_bytes_;
  return p;
}

void Checkpointer::Complete(Pending p) {
  auto failed = [&](const absl::Status& st) {
    options_.fail(absl::Status(
        st.code(), fmt::format("checkpoint {} failed: {}", p.id,
                               std::string(st.message()))));
  };
  if (absl::Status st = FailpointStatus(kFailpointBeforeCommitRecord);
      !st.ok())
    return failed(st);
  CheckpointMetadata m = options_.metadata;
  m.positions = std::move(p.positions);
  m.watermarks = std::move(p.watermarks);
  const std::string encoded = m.Encode();
  if (!options_.committers.empty()) {
    // The sinks make n's output visible before the record says n: a crash
    // between the two rolls forward to n on restart, with what Prepare
    // kept, when every sink says it committed n.
    if (absl::Status st =
            options_.backend->Prepare(storage::CheckpointId{p.id}, encoded);
        !st.ok())
      return failed(st);
    if (absl::Status st = FailpointStatus(kFailpointBeforeSinkCommit);
        !st.ok())
      return failed(st);
    for (const auto& committer : options_.committers) {
      if (absl::Status st = committer->CommitCheckpoint(p.id); !st.ok())
        return failed(st);
    }
    if (absl::Status st = FailpointStatus(kFailpointDuringSinkCommit);
        !st.ok())
      return failed(st);
  }
  if (absl::Status st =
          options_.backend->Commit(storage::CheckpointId{p.id}, encoded);
      !st.ok())
    return failed(st);
  if (absl::Status st = FailpointStatus(kFailpointAfterCommitRecord); !st.ok())
    return failed(st);
  CheckpointInfo info;
  info.id = p.id;
  info.completed = std::chrono::system_clock::now();
  info.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - p.started);
  info.bytes = p.bytes;
  {
    std::lock_guard lock(mu_);
    last_ = info;
  }
  committed_ = p.id;
  // Sinks write on only now: a crash before the record leaves nothing of
  // the next checkpoint in their output.
  for (const auto& committer : options_.committers)
    committer->CheckpointDone(p.id);
  if (options_.on_commit) options_.on_commit();
}

std::optional<CheckpointInfo> Checkpointer::last() const {
  std::lock_guard lock(mu_);
  return last_;
}

uint64_t Checkpointer::skipped() const {
  std::lock_guard lock(mu_);
  return skipped_;
}

}  // namespace weir::exec

#include "connectors/generators/generator_source.h"

#include <algorithm>
#include <chrono>

#include "connectors/generators/datagen.h"
#include "connectors/generators/nexmark.h"
#include "engine/base/status.h"
#include "fmt/format.h"

namespace weir::connectors::generators {
namespace {

using Clock = std::chrono::steady_clock;

/// Paces a split so that `done` units have been produced no sooner than
/// done / rate seconds after the start. Never sleeps: the task shares a
/// worker thread, and the runtime backs off a source that returns nothing.
class Pacer {
 public:
  explicit Pacer(double units_per_second)
      : rate_(units_per_second), start_(Clock::now()) {}

  /// How many more units may be produced now (unbounded when rate is 0);
  /// 0 when the split is ahead of its schedule.
  int64_t Allowance(int64_t done) {
    if (rate_ <= 0) return INT64_MAX;
    double elapsed =
        std::chrono::duration<double>(Clock::now() - start_).count();
    int64_t due = static_cast<int64_t>(elapsed * rate_) + 1;
    return due > done ? due - done : 0;
  }

 private:
  double rate_;
  Clock::time_point start_;
};

/// A generator as a source, paced by `Traits::Progress(gen)`: the units the
/// rate counts (Nexmark events of all tables, datagen rows). Its checkpoint
/// position is the global number of its next event or row
/// (`Traits::Next`), where `Traits::Seek` continues.
template <typename Generator, typename Traits>
class GeneratorSource : public exec::Source {
 public:
  GeneratorSource(std::unique_ptr<Generator> gen, double rate)
      : gen_(std::move(gen)), pacer_(rate) {}
  absl::StatusOr<size_t> Next(types::Batch* out, size_t max_rows) override {
    // Paced from where this run started (a resumed split is not "behind").
    int64_t allowed = pacer_.Allowance(Traits::Progress(*gen_) - start_);
    if (allowed == 0) return size_t{0};
    return gen_->Next(out, static_cast<size_t>(std::min<int64_t>(
                               allowed, static_cast<int64_t>(max_rows))));
  }
  bool finished() const override { return gen_->finished(); }
  std::optional<exec::SourcePosition> checkpoint_position() const override {
    return exec::SourcePosition{{0, Traits::Next(*gen_)}};
  }
  absl::Status StartAt(const exec::SourcePosition& position) override {
    auto it = position.find(0);
    if (it == position.end()) return absl::OkStatus();
    if (it->second < 0) {
      return absl::DataLossError(fmt::format(
          "a checkpoint holds the bad generator position {}", it->second));
    }
    Traits::Seek(gen_.get(), it->second);
    start_ = Traits::Progress(*gen_);
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<Generator> gen_;
  Pacer pacer_;
  int64_t start_ = 0;  // Progress at StartAt
};

struct NexmarkTraits {
  static int64_t Progress(const NexmarkGenerator& g) {
    return g.events_generated();
  }
  static int64_t Next(const NexmarkGenerator& g) {
    return g.next_event_number();
  }
  static void Seek(NexmarkGenerator* g, int64_t next) { g->SeekToEvent(next); }
};
struct DatagenTraits {
  // rows_generated counts this run only: no start to subtract.
  static int64_t Progress(const DatagenGenerator& g) {
    return g.rows_generated();
  }
  static int64_t Next(const DatagenGenerator& g) { return g.next_row_number(); }
  static void Seek(DatagenGenerator* g, int64_t next) { g->SeekToRow(next); }
};

using NexmarkSource = GeneratorSource<NexmarkGenerator, NexmarkTraits>;
using DatagenSource = GeneratorSource<DatagenGenerator, DatagenTraits>;

}  // namespace

absl::StatusOr<std::unique_ptr<exec::Source>> OpenGeneratorSource(
    const catalog::Entry& entry, std::shared_ptr<const types::Schema> schema,
    int split, int splits) {
  if (entry.connector == "nexmark") {
    WEIR_ASSIGN_OR_RETURN(
        NexmarkTable table,
        ParseNexmarkTable(entry.Option("table").value_or("bid")));
    std::vector<std::pair<std::string, std::string>> options;
    for (const auto& kv : entry.options) {
      if (kv.first != "connector" && kv.first != "table") options.push_back(kv);
    }
    WEIR_ASSIGN_OR_RETURN(NexmarkOptions o,
                          NexmarkOptions::FromOptions(options));
    WEIR_ASSIGN_OR_RETURN(
        auto gen, NexmarkGenerator::CreateSplit(table, o, std::move(schema),
                                                split, splits));
    double rate = static_cast<double>(o.events_per_second) / splits;
    return std::unique_ptr<exec::Source>(
        new NexmarkSource(std::move(gen), rate));
  }
  if (entry.connector == "datagen") {
    std::vector<std::pair<std::string, std::string>> options;
    for (const auto& kv : entry.options) {
      if (kv.first != "connector") options.push_back(kv);
    }
    WEIR_ASSIGN_OR_RETURN(DatagenOptions o,
                          DatagenOptions::FromOptions(options));
    WEIR_ASSIGN_OR_RETURN(auto gen, DatagenGenerator::CreateSplit(
                                        o, std::move(schema), split, splits));
    double rate = static_cast<double>(o.rows_per_second) / splits;
    return std::unique_ptr<exec::Source>(
        new DatagenSource(std::move(gen), rate));
  }
  return absl::FailedPreconditionError(
      fmt::format("'{}' is not a generator stream (connector '{}')", entry.name,
                  entry.connector));
}

}  // namespace weir::connectors::generators

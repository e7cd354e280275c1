#include "engine/catalog/catalog.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/base/strings.h"
#include "engine/base/suggest.h"

namespace weir::catalog {

namespace {

using weir::AsciiLower;
constexpr auto ToLower = [](std::string_view s) { return AsciiLower(s); };

// "stream", "table", "materialized view", "sink": the kind as it reads in
// the middle of a sentence.
std::string KindNoun(EntryKind kind) { return ToLower(EntryKindName(kind)); }

// Joins "materialized view 'a'", "sink 'b'" into
// "materialized view 'a' and sink 'b'".
std::string JoinAnd(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += (i + 1 == parts.size()) ? " and " : ", ";
    out += parts[i];
  }
  return out;
}

uint64_t QueryNumber(std::string_view id) {
  // "q12" -> 12; anything else sorts last.
  if (id.size() < 2 || (id[0] != 'q' && id[0] != 'Q')) {
    return std::numeric_limits<uint64_t>::max();
  }
  uint64_t n = 0;
  auto [ptr, ec] = std::from_chars(id.data() + 1, id.data() + id.size(), n);
  if (ec != std::errc() || ptr != id.data() + id.size()) {
    return std::numeric_limits<uint64_t>::max();
  }
  return n;
}

struct RunningQuery {
  QueryInfo info;
  std::vector<std::string> reads;  // lower-cased names
};

class InMemoryCatalog final : public Catalog {
 public:
  const Entry* Find(std::string_view name) const override {
    auto it = entries_.find(ToLower(name));
    return it == entries_.end() ? nullptr : it->second.get();
  }

  absl::Status Create(Entry entry, bool if_not_exists,
                      bool or_replace) override {
    if (entry.name.empty()) {
      return absl::InvalidArgumentError("a catalog object needs a name");
    }
    const std::string key = ToLower(entry.name);
    for (const std::string& dependency : entry.depends_on) {
      const Entry* found = Find(dependency);
      if (found == nullptr) {
        return absl::NotFoundError(fmt::format(
            "{} '{}' reads '{}', which does not exist{}", KindNoun(entry.kind),
            entry.name, dependency, DidYouMean(dependency, AllNames())));
      }
    }
    auto it = entries_.find(key);
    if (it != entries_.end()) {
      const Entry& existing = *it->second;
      if (if_not_exists) return absl::OkStatus();
      if (!or_replace || existing.kind != entry.kind) {
        return absl::AlreadyExistsError(
            fmt::format("a {} named '{}' already exists",
                        KindNoun(existing.kind), existing.name));
      }
      if (absl::Status blocked = CheckUnused(existing, "replace");
          !blocked.ok()) {
        return blocked;
      }
      for (const std::string& dependency : entry.depends_on) {
        if (ToLower(dependency) == key) {
          return absl::InvalidArgumentError(fmt::format(
              "{} '{}' cannot read itself", KindNoun(entry.kind), entry.name));
        }
      }
      it->second = std::make_unique<Entry>(std::move(entry));
      return absl::OkStatus();
    }
    entries_.emplace(key, std::make_unique<Entry>(std::move(entry)));
    return absl::OkStatus();
  }

  absl::Status Drop(std::string_view name, EntryKind kind,
                    bool if_exists) override {
    auto it = entries_.find(ToLower(name));
    if (it == entries_.end()) {
      if (if_exists) return absl::OkStatus();
      return absl::NotFoundError(fmt::format("{} '{}' does not exist{}",
                                             KindNoun(kind), name,
                                             DidYouMean(name, NamesOf(kind))));
    }
    const Entry& entry = *it->second;
    if (entry.kind != kind) {
      return absl::InvalidArgumentError(
          fmt::format("'{}' is a {}, not a {}; use DROP {}", entry.name,
                      EntryKindName(entry.kind), EntryKindName(kind),
                      EntryKindName(entry.kind)));
    }
    if (absl::Status blocked = CheckUnused(entry, "drop"); !blocked.ok()) {
      return blocked;
    }
    entries_.erase(it);
    return absl::OkStatus();
  }

  std::vector<const Entry*> List(EntryKind kind) const override {
    std::vector<const Entry*> out;
    for (const auto& [key, entry] : entries_) {  // sorted by lower-case name
      if (entry->kind == kind) out.push_back(entry.get());
    }
    return out;
  }

  std::vector<std::string> Dependents(std::string_view name) const override {
    const std::string key = ToLower(name);
    std::vector<std::string> out;
    for (const auto& [other_key, entry] : entries_) {
      if (other_key == key) continue;
      for (const std::string& dependency : entry->depends_on) {
        if (ToLower(dependency) == key) {
          out.push_back(entry->name);
          break;
        }
      }
    }
    return out;
  }

  std::string AddQuery(std::string sql, std::string sink,
                       std::vector<std::string> reads) override {
    RunningQuery query;
    query.info.id = fmt::format("q{}", ++last_query_number_);
    query.info.sql = std::move(sql);
    query.info.sink = std::move(sink);
    query.info.state = "RUNNING";
    for (std::string& read : reads) query.reads.push_back(ToLower(read));
    const std::string id = query.info.id;
    queries_.emplace(last_query_number_, std::move(query));
    return id;
  }

  absl::Status RemoveQuery(std::string_view id) override {
    auto it = queries_.find(QueryNumber(id));
    if (it == queries_.end() || ToLower(id) != it->second.info.id) {
      return absl::NotFoundError(fmt::format("no query '{}'", id));
    }
    queries_.erase(it);
    return absl::OkStatus();
  }

  std::vector<QueryInfo> ListQueries() const override {
    std::vector<QueryInfo> out;
    for (const auto& [number, query] : queries_) out.push_back(query.info);
    return out;
  }

 private:
  // FailedPrecondition when another entry or a running query reads `entry`;
  // `verb` is "drop" or "replace".
  absl::Status CheckUnused(const Entry& entry, std::string_view verb) const {
    std::vector<std::string> dependents;
    for (const std::string& name : Dependents(entry.name)) {
      const Entry* dependent = Find(name);
      dependents.push_back(
          fmt::format("{} '{}'", KindNoun(dependent->kind), dependent->name));
    }
    if (!dependents.empty()) {
      return absl::FailedPreconditionError(
          fmt::format("cannot {} {} '{}': {} {} on it", verb,
                      KindNoun(entry.kind), entry.name, JoinAnd(dependents),
                      dependents.size() == 1 ? "depends" : "depend"));
    }
    const std::string key = ToLower(entry.name);
    std::vector<std::string> readers;
    for (const auto& [number, query] : queries_) {
      if (ToLower(query.info.sink) == key) {
        return absl::FailedPreconditionError(fmt::format(
            "cannot {} {} '{}': query {} writes to it; TERMINATE {} first",
            verb, KindNoun(entry.kind), entry.name, query.info.id,
            query.info.id));
      }
      if (std::find(query.reads.begin(), query.reads.end(), key) !=
          query.reads.end()) {
        readers.push_back(query.info.id);
      }
    }
    if (!readers.empty()) {
      return absl::FailedPreconditionError(fmt::format(
          "cannot {} {} '{}': running {} {} {} it; TERMINATE {} first", verb,
          KindNoun(entry.kind), entry.name,
          readers.size() == 1 ? "query" : "queries", JoinAnd(readers),
          readers.size() == 1 ? "reads" : "read", readers.front()));
    }
    return absl::OkStatus();
  }

  std::vector<std::string> AllNames() const {
    std::vector<std::string> out;
    for (const auto& [key, entry] : entries_) out.push_back(entry->name);
    return out;
  }

  // Names of `kind` first, then the others, so a suggestion prefers the
  // kind the user asked for.
  std::vector<std::string> NamesOf(EntryKind kind) const {
    std::vector<std::string> out;
    for (const auto& [key, entry] : entries_) {
      if (entry->kind == kind) out.push_back(entry->name);
    }
    for (const auto& [key, entry] : entries_) {
      if (entry->kind != kind) out.push_back(entry->name);
    }
    return out;
  }

  std::map<std::string, std::unique_ptr<Entry>> entries_;  // by lower name
  std::map<uint64_t, RunningQuery> queries_;               // by number
  uint64_t last_query_number_ = 0;
};

}  // namespace

std::string_view EntryKindName(EntryKind kind) {
  switch (kind) {
    case EntryKind::kStream:
      return "STREAM";
    case EntryKind::kTable:
      return "TABLE";
    case EntryKind::kView:
      return "MATERIALIZED VIEW";
    case EntryKind::kSink:
      return "SINK";
  }
  return "UNKNOWN";
}

std::optional<std::string> Entry::Option(std::string_view key) const {
  const std::string lower = ToLower(key);
  for (const auto& [k, v] : options) {
    if (k == lower) return v;
  }
  return std::nullopt;
}

std::unique_ptr<Catalog> NewInMemoryCatalog() {
  return std::make_unique<InMemoryCatalog>();
}

}  // namespace weir::catalog

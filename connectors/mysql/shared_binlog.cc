#include "connectors/mysql/shared_binlog.h"

#include <sys/socket.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "connectors/mysql/binlog_event.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {

/// A copy of binlog event `item` (events carry no rows).
BinlogItem CopyEvent(const BinlogItem& item) {
  BinlogItem copy;
  copy.kind = item.kind;
  copy.type = item.type;
  copy.bytes = item.bytes;
  copy.file = item.file;
  copy.next_position = item.next_position;
  copy.text = item.text;
  copy.database = item.database;
  copy.table = item.table;
  copy.table_id = item.table_id;
  copy.rotate_position = item.rotate_position;
  copy.gtid_flags = item.gtid_flags;
  copy.error = item.error;
  return copy;
}

}  // namespace

std::shared_ptr<SharedBinlogReader> SharedBinlogReader::For(
    const ConnectionOptions& connection, uint32_t server_id,
    int heartbeat_ms) {
  static std::mutex registry_mu;
  static std::map<std::string, std::weak_ptr<SharedBinlogReader>> registry;
  const std::string key = fmt::format("{}|{}|{}|{}", connection.host,
                                      connection.port, connection.user,
                                      server_id);
  std::lock_guard<std::mutex> lock(registry_mu);
  for (auto it = registry.begin(); it != registry.end();) {
    it = it->second.expired() ? registry.erase(it) : std::next(it);
  }
  if (auto alive = registry[key].lock()) return alive;
  BinlogClientOptions options;
  options.connection = connection;
  // Its tables may be of several databases: the dump needs none.
  options.connection.database.clear();
  options.server_id = server_id;
  options.heartbeat_ms = heartbeat_ms;
  auto reader = std::make_shared<SharedBinlogReader>(std::move(options));
  registry[key] = reader;
  return reader;
}

SharedBinlogReader::SharedBinlogReader(BinlogClientOptions options)
    : options_(std::move(options)) {
  thread_ = std::thread([this] { Run(); });
}

SharedBinlogReader::~SharedBinlogReader() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (socket_ >= 0) shutdown(socket_, SHUT_RDWR);
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::optional<SharedBinlogReader::Position> SharedBinlogReader::PositionOf(
    const std::string& file, uint64_t offset) {
  std::optional<uint32_t> seq = BinlogFileSequence(file);
  if (!seq) return std::nullopt;
  return Position{*seq, offset, file};
}

uint64_t SharedBinlogReader::Subscribe(const BinlogStart& start,
                                       std::string database, std::string table,
                                       std::function<bool(BinlogItem)> push) {
  auto sub = std::make_shared<Subscriber>();
  sub->database = std::move(database);
  sub->table = std::move(table);
  sub->push = std::move(push);
  sub->start = start;
  sub->from = PositionOf(start.file, start.position).value_or(Position{});
  std::lock_guard<std::mutex> lock(mu_);
  sub->id = ++next_id_;
  subs_[sub->id] = sub;
  if (dumping_ && !restart_ && sub->from < position_) {
    // The stream has passed where this table starts: read again from
    // there (the others skip what they have).
    restart_ = true;
    if (socket_ >= 0) shutdown(socket_, SHUT_RDWR);
  }
  cv_.notify_all();
  return sub->id;
}

void SharedBinlogReader::Unsubscribe(uint64_t id) {
  std::unique_lock<std::mutex> lock(mu_);
  subs_.erase(id);
  if (subs_.empty() && socket_ >= 0) shutdown(socket_, SHUT_RDWR);
  cv_.wait(lock, [&] { return pushing_ != id; });
}

int SharedBinlogReader::dumps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dumps_;
}

bool SharedBinlogReader::Interrupted() {
  return stopping_ || restart_ || subs_.empty();
}

bool SharedBinlogReader::Watch(int socket) {
  std::lock_guard<std::mutex> lock(mu_);
  socket_ = socket;
  if (Interrupted() && socket >= 0) shutdown(socket, SHUT_RDWR);
  return !Interrupted();
}

void SharedBinlogReader::PushTo(Subscriber& sub, BinlogItem item) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (subs_.count(sub.id) == 0) return;  // unsubscribed
    pushing_ = sub.id;
  }
  sub.push(std::move(item));  // false: its queue stops; it unsubscribes
  {
    std::lock_guard<std::mutex> lock(mu_);
    pushing_ = 0;
  }
  cv_.notify_all();
}

void SharedBinlogReader::Run() {
  BinlogStreamHooks hooks;
  hooks.watch = [this](int socket) { return Watch(socket); };
  hooks.stopping = [this] {
    std::lock_guard<std::mutex> lock(mu_);
    return Interrupted();
  };
  hooks.opened = [](const BinlogStart&) { return true; };
  hooks.event = [this](BinlogItem item) { return OnEvent(std::move(item)); };
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stopping_ || !subs_.empty(); });
    if (stopping_) return;
    // From the smallest position of the tables: none misses an event.
    Position from = subs_.begin()->second->from;
    for (const auto& entry : subs_) from = std::min(from, entry.second->from);
    restart_ = false;
    dumping_ = true;
    position_ = from;
    ++dumps_;
    lock.unlock();
    absl::Status status =
        StreamBinlog(options_, BinlogStart::At(from.file, from.offset), hooks);
    lock.lock();
    dumping_ = false;
    if (stopping_) return;
    if (status.ok() || restart_) continue;
    // Every table gets the error and reconnects as it would alone.
    std::vector<std::shared_ptr<Subscriber>> failed;
    for (const auto& entry : subs_) failed.push_back(entry.second);
    lock.unlock();
    for (const std::shared_ptr<Subscriber>& sub : failed) {
      BinlogItem item;
      item.kind = BinlogItem::Kind::kError;
      item.error = status;
      PushTo(*sub, std::move(item));
    }
    lock.lock();
    for (const std::shared_ptr<Subscriber>& sub : failed) subs_.erase(sub->id);
  }
}

bool SharedBinlogReader::OnEvent(BinlogItem item) {
  // Where the event ends (rotates: where they point), to tell which
  // subscribers have it already; none for artificial events.
  std::optional<Position> at;
  if (item.type == kRotate) {
    at = PositionOf(item.text, item.rotate_position);
  } else if (item.type == kHeartbeat) {
    if (item.next_position != 0) at = PositionOf(item.text, item.next_position);
  } else if (item.next_position != 0) {
    at = PositionOf(item.file, item.next_position);
  }
  const bool format = item.type == kFormatDescription;
  std::vector<std::shared_ptr<Subscriber>> subs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (at && position_ < *at) position_ = *at;
    for (const auto& entry : subs_) subs.push_back(entry.second);
  }
  for (size_t i = 0; i < subs.size(); ++i) {
    Subscriber* sub = subs[i].get();
    if (!sub->started) {
      sub->started = true;
      BinlogItem started;
      started.kind = BinlogItem::Kind::kStarted;
      started.file = sub->start.file;
      started.next_position = sub->start.position;
      PushTo(*sub, std::move(started));
      // Joined a running stream: the format its events are framed in.
      if (format_ && !format) PushTo(*sub, CopyEvent(*format_));
    }
    bool wanted = false;
    if (format) {
      wanted = true;  // its format, wherever it stands
    } else if (item.type == kHeartbeat) {
      // An idle stream's position: not one before what it has.
      wanted = at && !(*at < sub->from);
    } else if (at && sub->from < *at) {
      wanted = true;
      if (item.type == kTableMapEvent) {
        wanted = item.database == sub->database && item.table == sub->table;
      } else if (IsRowsEvent(item.type)) {
        wanted = sub->table_ids.count(item.table_id) > 0;
      }
    }
    if (item.type == kTableMapEvent) {
      if (item.database == sub->database && item.table == sub->table) {
        sub->table_ids.insert(item.table_id);
      } else {
        sub->table_ids.erase(item.table_id);  // ids are reused
      }
    }
    if (at && sub->from < *at) sub->from = *at;
    if (!wanted) continue;
    // The last one takes the event itself (a format description is kept).
    const bool last = i + 1 == subs.size() && !format;
    PushTo(*sub, last ? std::move(item) : CopyEvent(item));
  }
  if (format) format_ = std::move(item);
  std::lock_guard<std::mutex> lock(mu_);
  return !Interrupted();
}

uint32_t CdcServerIds::For(const ConnectionOptions& connection) {
  const std::string key =
      fmt::format("{}|{}|{}", connection.host, connection.port, connection.user);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = ids_.find(key);
  if (it != ids_.end()) return it->second;
  const uint32_t id = GenerateServerId(connection, "");
  ids_[key] = id;
  return id;
}

void CdcServerIds::OpenedQuery(uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  if (generation != generation_) return;  // another query since
  ++generation_;
  ids_.clear();
}

uint64_t CdcServerIds::generation() const {
  std::lock_guard<std::mutex> lock(mu_);
  return generation_;
}

}  // namespace weir::connectors::mysql

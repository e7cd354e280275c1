#include "connectors/mysql/binlog_client.h"

// clang-format off
#include <mysql.h>  // before mariadb_rpl.h, which needs MYSQL
#include <mariadb_rpl.h>
// clang-format on
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <set>

#include "absl/strings/cord.h"
#include "connectors/mysql/binlog_event.h"
#include "connectors/mysql/gtid.h"
#include "connectors/mysql/shared_binlog.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {

/// Marks the status of a dump the server refused with error 1236.
constexpr char kBinlogPurgedPayload[] =
    "weir.mysql/binlog-position-gone";

constexpr int kErConnectionKilled = 1927;
constexpr int kErMasterFatalReadingBinlog = 1236;
constexpr int kErSlaveSameId = 4052;  // MariaDB drops the older replica

/// An event the client cannot frame: the query stops (nothing is skipped).
absl::Status BadEvent(const std::string& server, const std::string& file,
                      const absl::Status& why) {
  return absl::DataLossError(
      fmt::format("MySQL at {} sent a binlog event of {} that Weir cannot "
                  "read: {}",
                  server, file, std::string(why.message())));
}

/// The error of a failed dump: Unavailable when reconnecting may help (the
/// connection was lost or killed), FailedPrecondition when the server
/// refuses (the binlog is purged, a privilege is missing).
absl::Status DumpError(const std::string& server, unsigned int code,
                       const char* message) {
  std::string text = fmt::format(
      "MySQL at {} stopped sending its binlog: {} (error {})", server,
      message, code);
  if (code == kErMasterFatalReadingBinlog) {
    absl::Status purged = absl::FailedPreconditionError(
        text +
        "; the binlog position the source needs may have been purged: "
        "start the query again with scan.startup.mode = 'initial' (a new "
        "snapshot), or declare the table with 'on-binlog-gap' = "
        "'resnapshot'");
    purged.SetPayload(kBinlogPurgedPayload, absl::Cord("1236"));
    return purged;
  }
  if (code == kErConnectionKilled || (code >= 2000 && code < 3000)) {
    return absl::UnavailableError(text);
  }
  if (code == kErSlaveSameId ||
      std::string(message).find("same server_uuid/server_id") !=
          std::string::npos) {
    return absl::FailedPreconditionError(
        text + "; another replica uses the same server-id: give each "
               "mysql-cdc source its own 'server-id'");
  }
  return absl::FailedPreconditionError(text);
}

/// Where the server's binlog ends now (SHOW MASTER STATUS).
absl::StatusOr<BinlogStart> BinlogEnd(Connection& c) {
  absl::StatusOr<std::vector<Row>> status = c.Query("SHOW MASTER STATUS");
  if (!status.ok()) return status.status();
  if (status->empty() || status->front().size() < 2 || !status->front()[0] ||
      !status->front()[1]) {
    return absl::FailedPreconditionError(fmt::format(
        "MySQL at {} has no binary log (SHOW MASTER STATUS is empty); "
        "start the server with --log-bin and --binlog-format=ROW",
        c.server()));
  }
  return BinlogStart::At(
      *status->front()[0],
      std::strtoull(status->front()[1]->c_str(), nullptr, 10));
}

}  // namespace

bool IsBinlogPurged(const absl::Status& status) {
  return status.GetPayload(kBinlogPurgedPayload).has_value();
}

std::optional<uint32_t> BinlogFileSequence(std::string_view file) {
  const size_t dot = file.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == file.size()) {
    return std::nullopt;
  }
  uint64_t seq = 0;
  for (char c : file.substr(dot + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    seq = seq * 10 + static_cast<uint64_t>(c - '0');
    if (seq > UINT32_MAX) return std::nullopt;
  }
  return static_cast<uint32_t>(seq);
}

std::string BinlogFileWithSequence(std::string_view any_file, uint32_t seq) {
  const size_t dot = any_file.rfind('.');
  const std::string_view base =
      dot == std::string_view::npos ? any_file : any_file.substr(0, dot);
  return fmt::format("{}.{:06d}", base, seq);
}

uint32_t GenerateServerId(const ConnectionOptions& server,
                          std::string_view table) {
  static std::atomic<uint64_t> counter{0};
  const uint64_t h =
      std::hash<std::string>()(fmt::format(
          "{}|{}|{}|{}|{}", server.Describe(), table, getpid(), counter++,
          std::chrono::steady_clock::now().time_since_epoch().count()));
  return 0x80000000u | static_cast<uint32_t>((h ^ (h >> 32)) & 0x7fffffffu);
}

BinlogClient::BinlogClient(BinlogClientOptions options, BinlogStart start,
                           BinlogPrelude prelude)
    : options_(std::move(options)) {
  thread_ = std::thread(
      [this, start = std::move(start), prelude = std::move(prelude)]() mutable {
        Run(std::move(start), std::move(prelude));
      });
}

BinlogClient::~BinlogClient() { Stop(); }

void BinlogClient::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (socket_ >= 0) shutdown(socket_, SHUT_RDWR);
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (subscription_ != 0) {
    options_.shared->Unsubscribe(subscription_);
    subscription_ = 0;
  }
}

std::optional<BinlogItem> BinlogClient::Poll() {
  std::optional<BinlogItem> item;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.empty()) return std::nullopt;
    item = std::move(queue_.front());
    queue_.pop_front();
  }
  cv_.notify_all();
  return item;
}

bool BinlogClient::Push(BinlogItem item) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] {
    return stopping_ || queue_.size() < options_.queue_capacity ||
           item.kind == BinlogItem::Kind::kError;
  });
  if (stopping_) return false;
  queue_.push_back(std::move(item));
  return true;
}

bool BinlogClient::Watch(int socket) {
  std::lock_guard<std::mutex> lock(mu_);
  socket_ = socket;
  if (stopping_ && socket >= 0) shutdown(socket, SHUT_RDWR);
  return !stopping_;
}

bool BinlogClient::SleepMs(int ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return !cv_.wait_for(lock, std::chrono::milliseconds(ms),
                       [&] { return stopping_; });
}

void BinlogClient::Run(BinlogStart start, BinlogPrelude prelude) {
  if (options_.start_delay_ms > 0 && !SleepMs(options_.start_delay_ms)) return;
  absl::Status status;
  if (prelude) {
    PreludeContext context;
    context.push = [this](BinlogItem item) { return Push(std::move(item)); };
    context.watch = [this](int socket) { Watch(socket); };
    absl::StatusOr<BinlogStart> from = prelude(context);
    Watch(-1);
    if (from.ok()) {
      start = *std::move(from);
    } else {
      status = from.status();
    }
  }
  if (status.ok()) status = Dump(std::move(start));
  if (!status.ok()) {
    BinlogItem item;
    item.kind = BinlogItem::Kind::kError;
    item.error = std::move(status);
    Push(std::move(item));
  }
}

absl::Status BinlogClient::Dump(BinlogStart start) {
  if (options_.shared && start.gtid.empty() && start.file.empty()) {
    // The server's current end, as a position the shared reader can take.
    absl::StatusOr<std::unique_ptr<Connection>> conn =
        Connection::Open(options_.connection);
    if (!conn.ok()) return conn.status();
    absl::StatusOr<BinlogStart> end = BinlogEnd(**conn);
    if (!end.ok()) return end.status();
    start = *std::move(end);
  }
  if (options_.shared && !start.gtid.empty()) {
    // A GTID start has no file position to share: a connection of its own,
    // with a server-id of its own (the shared reader has this one).
    options_.server_id =
        GenerateServerId(options_.connection, options_.only_table);
  }
  if (options_.shared && start.gtid.empty() &&
      BinlogFileSequence(start.file)) {
    // Read with the other tables of the query (shared_binlog.h): Stop
    // unsubscribes, after which nothing is pushed here any more.
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return absl::OkStatus();
    subscription_ = options_.shared->Subscribe(
        start, options_.only_database, options_.only_table,
        [this](BinlogItem item) { return Push(std::move(item)); });
    return absl::OkStatus();
  }
  std::set<uint64_t> table_ids;  // table maps of the table read
  const bool filter = !options_.only_table.empty();
  BinlogStreamHooks hooks;
  hooks.watch = [this](int socket) { return Watch(socket); };
  hooks.stopping = [this] {
    std::lock_guard<std::mutex> lock(mu_);
    return stopping_;
  };
  hooks.opened = [this](const BinlogStart& at) {
    BinlogItem started;
    started.kind = BinlogItem::Kind::kStarted;
    started.file = at.file;
    started.next_position = at.position;
    return Push(std::move(started));
  };
  hooks.event = [&](BinlogItem item) {
    if (filter && item.type == kTableMapEvent) {
      if (item.database != options_.only_database ||
          item.table != options_.only_table) {
        table_ids.erase(item.table_id);  // ids are reused
        return true;
      }
      table_ids.insert(item.table_id);
    }
    if (filter && IsRowsEvent(item.type) &&
        table_ids.count(item.table_id) == 0) {
      return true;
    }
    return Push(std::move(item));
  };
  return StreamBinlog(options_, std::move(start), hooks);
}

absl::Status StreamBinlog(const BinlogClientOptions& options, BinlogStart start,
                          const BinlogStreamHooks& hooks) {
  absl::StatusOr<std::unique_ptr<Connection>> conn =
      Connection::Open(options.connection);
  if (!conn.ok()) return conn.status();
  Connection& c = **conn;
  if (!start.gtid.empty()) {
    absl::StatusOr<std::vector<Row>> done = c.Query(
        fmt::format("SET @slave_connect_state = {}", c.Quote(start.gtid)));
    if (!done.ok()) return done.status();
    start.file.clear();
    start.position = 4;
  } else if (start.file.empty()) {
    absl::StatusOr<BinlogStart> end = BinlogEnd(c);
    if (!end.ok()) return end.status();
    start = *std::move(end);
  }
  absl::StatusOr<std::vector<Row>> alg =
      c.Query("SELECT @@global.binlog_checksum");
  if (!alg.ok()) return alg.status();
  // The server checksums what it sends when the client takes its setting.
  const bool checksum = !alg->empty() && alg->front()[0] &&
                        *alg->front()[0] != "NONE";
  for (const std::string& sql :
       {std::string("SET @master_binlog_checksum = @@global.binlog_checksum, "
                    "@mariadb_slave_capability = 4"),
        fmt::format("SET @master_heartbeat_period = {}",
                    static_cast<int64_t>(options.heartbeat_ms) * 1000000)}) {
    absl::StatusOr<std::vector<Row>> done = c.Query(sql);
    if (!done.ok()) return done.status();
  }
  if (!hooks.watch(c.socket())) return absl::OkStatus();
  struct SocketReset {
    const BinlogStreamHooks& hooks;
    ~SocketReset() { hooks.watch(-1); }
  } socket_reset{hooks};

  MARIADB_RPL* rpl = mariadb_rpl_init(c.native());
  if (rpl == nullptr) {
    return absl::ResourceExhaustedError("cannot allocate a binlog reader");
  }
  struct RplClose {
    MARIADB_RPL* rpl;
    ~RplClose() { mariadb_rpl_close(rpl); }
  } rpl_close{rpl};
  mariadb_rpl_optionsv(rpl, MARIADB_RPL_SERVER_ID,
                       static_cast<uint32_t>(options.server_id));
  mariadb_rpl_optionsv(rpl, MARIADB_RPL_FILENAME, start.file.c_str(),
                       start.file.size());
  mariadb_rpl_optionsv(rpl, MARIADB_RPL_START,
                       static_cast<unsigned long>(start.position));
  if (mariadb_rpl_open(rpl) != 0) {
    if (hooks.stopping()) return absl::OkStatus();
    return DumpError(c.server(), mysql_errno(c.native()),
                     mysql_error(c.native()));
  }
  if (!hooks.opened(start)) return absl::OkStatus();

  std::string file = start.file;
  // Connector/C 3.3 misparses rotates after the first (the position read
  // from the file name), so the events the source steers by are parsed
  // here (binlog_event.h), framed as the last format description says.
  BinlogFormat format{.checksum = checksum};
  MARIADB_RPL_EVENT* ev = nullptr;
  struct EventFree {
    MARIADB_RPL_EVENT** ev;
    ~EventFree() {
      if (*ev != nullptr) mariadb_free_rpl_event(*ev);
    }
  } event_free{&ev};
  while (true) {
    ev = mariadb_rpl_fetch(rpl, ev);
    if (ev == nullptr) break;
    const std::span<const uint8_t> raw = StripOkByte(
        std::span<const uint8_t>(ev->raw_data, ev->raw_data_size));
    absl::StatusOr<EventHeader> header = ParseEventHeader(raw);
    if (!header.ok()) return BadEvent(c.server(), file, header.status());
    BinlogItem item;
    item.type = header->type;
    item.next_position = header->log_pos;
    absl::Status parsed;
    switch (item.type) {
      case kFormatDescription: {
        absl::StatusOr<FormatDescriptionEvent> fd =
            ParseFormatDescription(raw);
        if (fd.ok()) format = fd->Format();
        parsed = fd.status();
        break;
      }
      case kRotate: {
        absl::StatusOr<RotateEvent> rotate = ParseRotate(raw, format);
        if (rotate.ok()) {
          item.text = rotate->file;
          item.rotate_position = rotate->position;
          file = item.text;
        }
        parsed = rotate.status();
        break;
      }
      case kHeartbeat: {
        absl::StatusOr<std::string> at = ParseHeartbeat(raw, format);
        if (at.ok()) item.text = *at;
        parsed = at.status();
        break;
      }
      case kMariaGtid: {
        absl::StatusOr<MariaGtidEvent> gtid = ParseMariaGtid(raw, format);
        if (gtid.ok()) item.gtid_flags = gtid->flags;
        parsed = gtid.status();
        break;
      }
      case kTableMapEvent: {
        absl::StatusOr<TableMapEvent> map = ParseTableMap(raw, format);
        if (!map.ok()) {
          parsed = map.status();
          break;
        }
        item.database = map->database;
        item.table = map->table;
        item.table_id = map->table_id;
        break;
      }
      case kQuery:
      case kMariaQueryCompressed:
      case kXid:
        break;
      default:
        if (!IsRowsEvent(item.type)) continue;
        if (raw.size() < kEventHeaderSize + 6) {
          parsed = absl::InvalidArgumentError("a rows event without its table id");
          break;
        }
        for (int i = 5; i >= 0; --i) {
          item.table_id = (item.table_id << 8) | raw[kEventHeaderSize + i];
        }
        break;
    }
    if (!parsed.ok()) return BadEvent(c.server(), file, parsed);
    item.file = file;
    item.bytes.assign(reinterpret_cast<const char*>(raw.data()), raw.size());
    if (!hooks.event(std::move(item))) return absl::OkStatus();
  }
  if (hooks.stopping()) return absl::OkStatus();
  unsigned int code = mysql_errno(c.native());
  const char* message = mysql_error(c.native());
  if (code == 0) {
    code = mariadb_rpl_errno(rpl);
    message = mariadb_rpl_error(rpl);
  }
  if (code == 0) {
    return absl::UnavailableError(fmt::format(
        "MySQL at {} ended the binlog stream", c.server()));
  }
  return DumpError(c.server(), code, message);
}

}  // namespace weir::connectors::mysql

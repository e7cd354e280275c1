#pragma once

// A MariaDB binlog reader on a thread of its own. mariadb_rpl_fetch blocks
// until the server sends an event, and exec::Source::Next must not, so the
// thread fetches events and hands them through a bounded queue (it waits
// when the queue is full: backpressure reaches the server's socket).
// Before the dump, the thread may run a "prelude" (the snapshot,
// cdc_snapshot.h) that pushes rows into the same queue and says where the
// binlog is to start. Heartbeats keep an idle connection alive and carry
// the server's position. Stop() (or the destructor) shuts the socket down
// so a blocked fetch returns, and joins the thread.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "connectors/mysql/mysql_connection.h"
#include "engine/types/batch.h"

namespace weir::connectors::mysql {

/// Where a dump starts: a binlog file and an offset in it. An empty file
/// means "the server's current end" (SHOW MASTER STATUS when the thread
/// connects). With `gtid` (MariaDB syntax, "0-1-42,1-2-7": the last
/// transaction of each domain already seen) the server starts after that
/// GTID position instead (@slave_connect_state) and `file` is ignored.
struct BinlogStart {
  std::string file;
  uint64_t position = 4;
  std::string gtid;

  static BinlogStart At(std::string file, uint64_t position) {
    BinlogStart start;
    start.file = std::move(file);
    start.position = position;
    return start;
  }
};

/// "binlog.000012" -> 12; nullopt when the name has no numeric extension.
std::optional<uint32_t> BinlogFileSequence(std::string_view file);
/// ("binlog.000003", 7) -> "binlog.000007" (MariaDB pads to six digits).
std::string BinlogFileWithSequence(std::string_view any_file, uint32_t seq);

/// One item of the queue, in the order the thread produced them.
struct BinlogItem {
  enum class Kind {
    kEvent,         // a binlog event (fields below)
    kSnapshotStart,  // the snapshot reads the table as of `file`:`next_position`
    kSnapshotRows,  // rows of the snapshot, in `rows` (their keys in `keys`)
    kStarted,       // the dump starts at `file`:`next_position`
    kError,         // the thread stopped: `error`
  };
  Kind kind = Kind::kEvent;

  // kEvent: the raw event as on the wire (19-byte header, body, CRC32 when
  // the server checksums), its type, the file it is in and the offset
  // after it (0 for artificial events: the first rotate, heartbeats).
  uint8_t type = 0;
  std::string bytes;
  std::string file;
  uint64_t next_position = 0;
  // Parsed by the client library, for the events the source steers by:
  // ROTATE: `text` = the next file, `rotate_position` its offset;
  // QUERY: `database` and `text` = the statement; HEARTBEAT: `text` = the
  // file; GTID: `gtid_flags`; TABLE_MAP: `database`, `table`, `table_id`;
  // rows events: `table_id`.
  std::string text;
  std::string database;
  std::string table;
  uint64_t table_id = 0;
  uint64_t rotate_position = 0;
  uint8_t gtid_flags = 0;

  std::unique_ptr<types::Batch> rows;  // kSnapshotRows
  /// kSnapshotRows: the primary key columns of each row as MySQL printed
  /// them (what a continued snapshot's WHERE compares with), one entry per
  /// key column, row after row.
  std::vector<std::string> keys;
  absl::Status error;                  // kError
};

class SharedBinlogReader;

struct BinlogClientOptions {
  ConnectionOptions connection;
  uint32_t server_id = 0;
  /// The server sends a heartbeat when the binlog is idle this long.
  int heartbeat_ms = 1000;
  /// Events kept in the queue before the thread waits.
  size_t queue_capacity = 4096;
  /// Waited (interruptibly) before connecting: the backoff of a reconnect.
  int start_delay_ms = 0;
  /// Rows events of other tables are dropped by the thread (the source
  /// reads one table); empty: every event is kept.
  std::string only_database;
  std::string only_table;
  /// When set, a dump from a binlog file and position (not a GTID, not
  /// the server's current end) is read by this reader together with the
  /// other tables subscribed to it (shared_binlog.h): one connection for
  /// all; `connection` and `server_id` are then the reader's.
  std::shared_ptr<SharedBinlogReader> shared;
};

/// What a prelude gets from the client: `push` queues an item (waiting
/// while the queue is full; false when the client is stopping), `watch`
/// names the socket of the connection the prelude blocks on (-1: none), so
/// that Stop shuts it down too.
struct PreludeContext {
  std::function<bool(BinlogItem)> push;
  std::function<void(int socket)> watch;
};

/// Run on the client's thread before the dump (the snapshot): may push
/// items and returns where the dump starts.
using BinlogPrelude =
    std::function<absl::StatusOr<BinlogStart>(const PreludeContext& context)>;

class BinlogClient {
 public:
  /// Starts the thread: it runs `prelude` (when set), else starts at
  /// `start`. Connecting happens on the thread: errors arrive as a kError
  /// item, never from here.
  BinlogClient(BinlogClientOptions options, BinlogStart start,
               BinlogPrelude prelude = nullptr);
  ~BinlogClient();
  BinlogClient(const BinlogClient&) = delete;
  BinlogClient& operator=(const BinlogClient&) = delete;

  /// The next item, without waiting; nullopt when none is ready.
  std::optional<BinlogItem> Poll();
  /// Stops the thread (shuts its socket down) and joins it.
  void Stop();

 private:
  void Run(BinlogStart start, BinlogPrelude prelude);
  absl::Status Dump(BinlogStart start);
  bool Push(BinlogItem item);
  bool SleepMs(int ms);
  /// Sets socket_ (-1: none); false when the client is stopping.
  bool Watch(int socket);

  BinlogClientOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<BinlogItem> queue_;
  bool stopping_ = false;
  int socket_ = -1;  // of the connection the thread blocks on, if any
  uint64_t subscription_ = 0;  // to options_.shared, when it reads for us
  std::thread thread_;
};

/// How StreamBinlog talks to its caller. `watch` names the socket a
/// blocked fetch waits on (-1: none; false: stop); `stopping` says whether
/// the end of the stream was asked for (then it is no error); `opened`
/// gets where the dump starts once the server accepted it; `event` gets
/// each event the sources steer by (format descriptions, rotates,
/// heartbeats, GTIDs, queries, XIDs, table maps, rows events of every
/// table), parsed as BinlogItem says. `opened` or `event` returning false
/// ends the stream.
struct BinlogStreamHooks {
  std::function<bool(int socket)> watch;
  std::function<bool()> stopping;
  std::function<bool(const BinlogStart& at)> opened;
  std::function<bool(BinlogItem item)> event;
};

/// Connects as `options` say (connection, server_id, heartbeat_ms) and
/// streams the binlog from `start` to `hooks` on the calling thread until
/// a hook says stop (OK) or the server or the connection fails (the
/// error, as BinlogItem::error describes).
absl::Status StreamBinlog(const BinlogClientOptions& options, BinlogStart start,
                          const BinlogStreamHooks& hooks);

/// Whether `status` is the error of a dump the server refused because the
/// position is not in its binlog any more (MariaDB/MySQL error 1236:
/// purged, or never there): what 'on-binlog-gap' acts on.
bool IsBinlogPurged(const absl::Status& status);

/// A server-id for a source that was given none: from (server, table) and
/// the process, in the upper range [2^31, 2^32) that MariaDB replicas
/// seldom use.
uint32_t GenerateServerId(const ConnectionOptions& server,
                          std::string_view table);

}  // namespace weir::connectors::mysql

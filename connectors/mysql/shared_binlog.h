#pragma once

// One binlog connection for the mysql-cdc tables of a server: the reader of
// (host, port, user, server-id) streams the binlog once, on a thread of its
// own, and hands each subscribed table the events it would have read from a
// connection of its own (binlog_client.h's BinlogItem stream: kStarted,
// then format descriptions, rotates, heartbeats, GTIDs, queries, XIDs, and
// the table maps and rows events of its table), into that table's own
// bounded queue. A table's position and checkpoint stay its own
// (cdc_source.h): the reader only decides which events each table gets.
//
// Positions: each subscriber has the binlog position up to which it has
// every event (`from`: where it started, then the end of each event the
// reader passed for it); it gets only events that end after it. So the
// reader may start (or start again) anywhere at or before a table's
// position without repeating anything to it: it starts at the smallest
// position of its tables, and when a table subscribes at a position the
// stream has passed, the stream starts again from there (the others skip
// what they already have).
//
// Backpressure: an event is handed to every table before the next is
// read, so a full queue (a slow consumer) blocks the reader and with it
// every table of the connection; no table loses an event.
//
// Errors: when the connection fails, every subscriber gets the error (a
// kError item) and is dropped; each table reconnects as it does alone
// (subscribing again from its own position).

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "connectors/mysql/binlog_client.h"

namespace weir::connectors::mysql {

class SharedBinlogReader {
 public:
  /// The reader of `connection`'s server (host, port, user) and
  /// `server_id`: the one alive in this process, else a new one (connected
  /// with `connection`, heartbeats every `heartbeat_ms`).
  static std::shared_ptr<SharedBinlogReader> For(
      const ConnectionOptions& connection, uint32_t server_id,
      int heartbeat_ms);

  explicit SharedBinlogReader(BinlogClientOptions options);
  ~SharedBinlogReader();
  SharedBinlogReader(const SharedBinlogReader&) = delete;
  SharedBinlogReader& operator=(const SharedBinlogReader&) = delete;

  /// Streams the events of `database`.`table` after `start` (a file with
  /// a numeric extension and an offset: BinlogFileSequence must read it) to
  /// `push`, which may block (backpressure) and returns false when its
  /// queue stops taking items. Returns the subscription's id.
  uint64_t Subscribe(const BinlogStart& start, std::string database,
                     std::string table,
                     std::function<bool(BinlogItem)> push);
  /// Ends subscription `id`; once it returns, its `push` is not called any
  /// more (`push` must not block forever meanwhile: stop its queue first).
  void Unsubscribe(uint64_t id);

  /// How many dumps the reader has opened (one per (re)start; tests).
  int dumps() const;

 private:
  /// A binlog position: (file sequence number, offset) in order.
  struct Position {
    uint32_t seq = 0;
    uint64_t offset = 0;
    std::string file;
    bool operator<(const Position& o) const {
      return seq != o.seq ? seq < o.seq : offset < o.offset;
    }
  };
  struct Subscriber {
    uint64_t id = 0;
    std::string database;
    std::string table;
    std::function<bool(BinlogItem)> push;
    BinlogStart start;
    // Touched by the reader's thread only once subscribed.
    Position from;          // every event ending at or before it was had
    bool started = false;   // kStarted pushed
    std::set<uint64_t> table_ids;  // table ids mapped to its table
  };

  static std::optional<Position> PositionOf(const std::string& file,
                                            uint64_t offset);
  void Run();
  bool OnEvent(BinlogItem item);
  /// Pushes `item` to `sub` unless it unsubscribed meanwhile.
  void PushTo(Subscriber& sub, BinlogItem item);
  bool Watch(int socket);
  bool Interrupted();  // under mu_

  BinlogClientOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint64_t, std::shared_ptr<Subscriber>> subs_;
  uint64_t next_id_ = 0;
  uint64_t pushing_ = 0;  // the subscription being pushed to (0: none)
  bool stopping_ = false;
  bool dumping_ = false;  // a dump runs (or connects)
  bool restart_ = false;  // it is to start again, from an earlier position
  Position position_;     // of the dump: where it has read to
  int socket_ = -1;
  int dumps_ = 0;
  std::optional<BinlogItem> format_;  // the last format description read
  std::thread thread_;
};

/// The server-ids generated for the mysql-cdc tables of one query: one per
/// server (host, port, user), so that the query's tables of a server share
/// one binlog reader (above), and distinct from every other query's.
/// Tables are prepared for a query, then its tasks open them (OpenedQuery),
/// then the next query's are prepared: ids given before OpenedQuery are the
/// query's (a query prepared but never opened leaves its ids to the next:
/// the two then share a reader, which is correct, only less separate).
/// Thread-safe.
class CdcServerIds {
 public:
  /// The id for `connection`'s server in the query being prepared.
  uint32_t For(const ConnectionOptions& connection);
  /// The query's tasks open its tables: the next ids are another query's.
  void OpenedQuery(uint64_t generation);
  /// The query being prepared, for OpenedQuery.
  uint64_t generation() const;

 private:
  mutable std::mutex mu_;
  uint64_t generation_ = 0;
  std::map<std::string, uint32_t> ids_;  // by "host|port|user"
};

}  // namespace weir::connectors::mysql

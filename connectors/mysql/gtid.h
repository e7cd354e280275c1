#pragma once

// Global transaction ids, as MariaDB and MySQL write them into the binlog
// and spell them in SQL, and the set of them a CDC source has read (its
// resume position).
//
// MariaDB: a GTID is domain-server-seq ("0-1-42"); a GTID event (162) opens
// every transaction, a GTID list event (163) starts every binlog file; a
// position is one GTID per domain, the last one applied ("0-1-42,1-2-7",
// the syntax of @@gtid_slave_pos / @@gtid_binlog_pos).
// MySQL: a GTID is uuid:gno; a GTID event (33) opens every transaction; a
// position is a set of intervals per server uuid
// ("3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5:7-9,uuid2:1-3", the syntax of
// @@gtid_executed; uuids are printed in lower case as the server does).

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "connectors/mysql/binlog_event.h"

namespace weir::connectors::mysql {

/// A MariaDB GTID.
struct Gtid {
  uint32_t domain = 0;
  uint32_t server = 0;
  uint64_t seq = 0;
  friend bool operator==(const Gtid&, const Gtid&) = default;
  /// "0-1-42".
  std::string ToString() const;
};

/// A MariaDB GTID event: the transaction's GTID (server id from the header).
struct MariaGtidEvent {
  Gtid gtid;
  uint8_t flags = 0;       // FL_STANDALONE 0x01, FL_GROUP_COMMIT_ID 0x02 ...
  uint64_t commit_id = 0;  // when flags has FL_GROUP_COMMIT_ID
  /// True for a transaction without a terminating XID/COMMIT (DDL): the
  /// GTID event's FL_STANDALONE flag.
  bool standalone() const { return (flags & 0x01) != 0; }
};
absl::StatusOr<MariaGtidEvent> ParseMariaGtid(std::span<const uint8_t> event,
                                              const BinlogFormat& format);

/// A MariaDB GTID list event: the binlog state when its file began.
absl::StatusOr<std::vector<Gtid>> ParseMariaGtidList(
    std::span<const uint8_t> event, const BinlogFormat& format);

using Uuid = std::array<uint8_t, 16>;
/// "3e11fa47-71ca-11e1-9e33-c80aa9429562".
std::string UuidToString(const Uuid& uuid);
absl::StatusOr<Uuid> ParseUuid(std::string_view text);

/// A MySQL GTID.
struct MySqlGtid {
  Uuid uuid{};
  int64_t gno = 0;
  friend bool operator==(const MySqlGtid&, const MySqlGtid&) = default;
  std::string ToString() const;  // "uuid:gno"
};

/// A MySQL GTID event (33; also ANONYMOUS_GTID 34, whose gtid is all zero).
struct MySqlGtidEvent {
  MySqlGtid gtid;
  uint8_t flags = 0;
  int64_t last_committed = 0;  // logical clock, when present
  int64_t sequence_number = 0;
};
absl::StatusOr<MySqlGtidEvent> ParseMySqlGtid(std::span<const uint8_t> event,
                                              const BinlogFormat& format);

/// The set of GTIDs a stream has applied, in one server flavor. Copyable
/// value; not thread-safe.
class GtidSet {
 public:
  enum class Flavor { kMariaDb, kMySql };

  explicit GtidSet(Flavor flavor = Flavor::kMariaDb) : flavor_(flavor) {}

  /// Parses the server's syntax. MariaDB: "d-s-n[,d-s-n]..." (one GTID per
  /// domain; a domain given twice is an error). MySQL: "uuid:a[-b][:c[-d]]
  /// [,uuid:...]" (intervals merged). Blanks and newlines (as
  /// @@gtid_executed prints them) are ignored; "" is the empty set.
  /// InvalidArgument naming the bad part otherwise.
  static absl::StatusOr<GtidSet> Parse(std::string_view text, Flavor flavor);

  Flavor flavor() const { return flavor_; }
  bool empty() const { return maria_.empty() && mysql_.empty(); }

  /// MariaDB: the domain's position becomes `gtid` (the newest GTID of a
  /// domain wins, as in @@gtid_slave_pos).
  void Add(const Gtid& gtid);
  /// MySQL: `gtid.gno` joins its uuid's intervals.
  void Add(const MySqlGtid& gtid);

  /// MariaDB: true when `gtid`'s domain is at or past gtid.seq.
  bool Contains(const Gtid& gtid) const;
  bool Contains(const MySqlGtid& gtid) const;

  /// The server's syntax (domains ascending; uuids ascending, intervals
  /// "a-b" or "a"). Parse(ToString()) gives an equal set.
  std::string ToString() const;

  friend bool operator==(const GtidSet&, const GtidSet&) = default;

 private:
  void AddInterval(const Uuid& uuid, int64_t first, int64_t last);

  Flavor flavor_;
  std::map<uint32_t, Gtid> maria_;  // by domain
  /// Closed intervals [first, last], disjoint, ascending, not adjacent.
  std::map<Uuid, std::vector<std::pair<int64_t, int64_t>>> mysql_;
};

}  // namespace weir::connectors::mysql

#pragma once

// Pure parsing of MySQL / MariaDB binary log events: the bytes of one event
// as the server sends them on a replication connection (and as a binlog
// file holds them after its 4-byte magic): the 19-byte v4 header, the body,
// and the 4-byte CRC32 trailer when binlog_checksum = CRC32. No I/O, no
// client library: the binlog client thread hands events here, the unit
// tests hand fixtures built byte by byte.
//
// Connector/C: MARIADB_RPL_EVENT::raw_data/raw_data_size hold the network
// packet of the event, which starts with the OK byte (0x00) before the v4
// header in the Connector/C versions we build with (3.3); pass them
// through StripOkByte, which removes that byte when it is there (and only
// then), so both forms are accepted. The checksum trailer is included when
// the server sends checksums (the client announced @master_binlog_checksum).
//
// Formats: MySQL "Replication" internals docs (libbinlogevents) and MariaDB
// log_event.h; every integer is little-endian unless said otherwise.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace weir::connectors::mysql {

// ---- Event type codes (byte 4 of the header). ----
inline constexpr uint8_t kUnknownEvent = 0;
inline constexpr uint8_t kStartV3 = 1;
inline constexpr uint8_t kQuery = 2;
inline constexpr uint8_t kStop = 3;
inline constexpr uint8_t kRotate = 4;
inline constexpr uint8_t kIntvar = 5;
inline constexpr uint8_t kRand = 13;
inline constexpr uint8_t kUserVar = 14;
inline constexpr uint8_t kFormatDescription = 15;
inline constexpr uint8_t kXid = 16;
inline constexpr uint8_t kTableMapEvent = 19;
inline constexpr uint8_t kWriteRowsV1 = 23;
inline constexpr uint8_t kUpdateRowsV1 = 24;
inline constexpr uint8_t kDeleteRowsV1 = 25;
inline constexpr uint8_t kIncident = 26;
inline constexpr uint8_t kHeartbeat = 27;
inline constexpr uint8_t kIgnorable = 28;
inline constexpr uint8_t kRowsQuery = 29;
inline constexpr uint8_t kWriteRowsV2 = 30;
inline constexpr uint8_t kUpdateRowsV2 = 31;
inline constexpr uint8_t kDeleteRowsV2 = 32;
inline constexpr uint8_t kMySqlGtid = 33;
inline constexpr uint8_t kMySqlAnonymousGtid = 34;
inline constexpr uint8_t kMySqlPreviousGtids = 35;
inline constexpr uint8_t kTransactionContext = 36;
inline constexpr uint8_t kViewChange = 37;
inline constexpr uint8_t kXaPrepare = 38;
inline constexpr uint8_t kPartialUpdateRows = 39;  // MySQL 8 JSON diffs
inline constexpr uint8_t kTransactionPayload = 40;  // MySQL 8 zstd payload
inline constexpr uint8_t kHeartbeatV2 = 41;
inline constexpr uint8_t kMariaAnnotateRows = 160;
inline constexpr uint8_t kMariaBinlogCheckpoint = 161;
inline constexpr uint8_t kMariaGtid = 162;
inline constexpr uint8_t kMariaGtidList = 163;
inline constexpr uint8_t kMariaStartEncryption = 164;
inline constexpr uint8_t kMariaQueryCompressed = 165;
inline constexpr uint8_t kMariaWriteRowsCompressedV1 = 166;
inline constexpr uint8_t kMariaUpdateRowsCompressedV1 = 167;
inline constexpr uint8_t kMariaDeleteRowsCompressedV1 = 168;
inline constexpr uint8_t kMariaWriteRowsCompressed = 169;
inline constexpr uint8_t kMariaUpdateRowsCompressed = 170;
inline constexpr uint8_t kMariaDeleteRowsCompressed = 171;

inline constexpr size_t kEventHeaderSize = 19;
inline constexpr size_t kChecksumSize = 4;

/// "Write_rows_v1", "Table_map", "Gtid" ...: for messages and logs.
std::string_view EventTypeName(uint8_t type);

/// True for the write/update/delete rows events: v1 (23..25), v2 (30..32),
/// MariaDB's compressed v1/v2 (166..171), and MySQL's partial JSON update
/// (39), which ParseRows refuses with Unimplemented (never skip it: it
/// changes rows).
bool IsRowsEvent(uint8_t type);

/// How the events of one binlog stream are framed.
struct BinlogFormat {
  bool checksum = true;  // a CRC32 trailer ends every event
};

struct EventHeader {
  uint32_t timestamp = 0;  // seconds since the epoch (0 for fake events)
  uint8_t type = 0;
  uint32_t server_id = 0;
  uint32_t event_size = 0;  // header + body + checksum
  uint32_t log_pos = 0;     // position of the NEXT event in the binlog file
  uint16_t flags = 0;
};

/// `event` without the leading OK byte of a replication packet when it has
/// one (first byte 0x00 and the header's size field equal to the rest's
/// length); otherwise `event` unchanged.
std::span<const uint8_t> StripOkByte(std::span<const uint8_t> event);

/// The v4 header. InvalidArgument when `event` is shorter than 19 bytes or
/// than the size the header gives.
absl::StatusOr<EventHeader> ParseEventHeader(std::span<const uint8_t> event);

/// The body: the bytes between the header and the checksum trailer.
absl::StatusOr<std::span<const uint8_t>> EventBody(
    std::span<const uint8_t> event, const BinlogFormat& format);

/// Checks the CRC32 trailer (the same CRC-32 as zlib's crc32 over header and
/// body). DataLoss on a mismatch; OK when `format.checksum` is false.
absl::Status VerifyChecksum(std::span<const uint8_t> event,
                            const BinlogFormat& format);

// ---- Format description (the first event of every binlog). ----
inline constexpr uint8_t kChecksumOff = 0;
inline constexpr uint8_t kChecksumCrc32 = 1;
inline constexpr uint8_t kChecksumUndefined = 255;

struct FormatDescriptionEvent {
  uint16_t binlog_version = 0;  // 4
  std::string server_version;   // "10.11.19-MariaDB-0+deb12u1"
  uint32_t create_timestamp = 0;
  uint8_t header_length = 0;  // 19
  /// Post-header length per event type - 1 (index 0 is type 1).
  std::vector<uint8_t> post_header_lengths;
  /// kChecksumOff, kChecksumCrc32 or kChecksumUndefined (a server older
  /// than 5.6.1 that writes no algorithm byte).
  uint8_t checksum_alg = kChecksumUndefined;

  /// The framing of the events that follow.
  BinlogFormat Format() const {
    return BinlogFormat{.checksum = checksum_alg == kChecksumCrc32};
  }
};

/// The format description event. Its own checksum trailer is present when
/// its algorithm byte says so, so it needs no BinlogFormat.
absl::StatusOr<FormatDescriptionEvent> ParseFormatDescription(
    std::span<const uint8_t> event);

// ---- Table map. ----

/// MySQL field type codes used in table maps (enum_field_types).
namespace field_type {
inline constexpr uint8_t kDecimal = 0;
inline constexpr uint8_t kTiny = 1;
inline constexpr uint8_t kShort = 2;
inline constexpr uint8_t kLong = 3;
inline constexpr uint8_t kFloat = 4;
inline constexpr uint8_t kDouble = 5;
inline constexpr uint8_t kNull = 6;
inline constexpr uint8_t kTimestamp = 7;
inline constexpr uint8_t kLongLong = 8;
inline constexpr uint8_t kInt24 = 9;
inline constexpr uint8_t kDate = 10;
inline constexpr uint8_t kTime = 11;
inline constexpr uint8_t kDateTime = 12;
inline constexpr uint8_t kYear = 13;
inline constexpr uint8_t kNewDate = 14;
inline constexpr uint8_t kVarchar = 15;
inline constexpr uint8_t kBit = 16;
inline constexpr uint8_t kTimestamp2 = 17;
inline constexpr uint8_t kDateTime2 = 18;
inline constexpr uint8_t kTime2 = 19;
inline constexpr uint8_t kJson = 245;
inline constexpr uint8_t kNewDecimal = 246;
inline constexpr uint8_t kEnum = 247;
inline constexpr uint8_t kSet = 248;
inline constexpr uint8_t kTinyBlob = 249;
inline constexpr uint8_t kMediumBlob = 250;
inline constexpr uint8_t kLongBlob = 251;
inline constexpr uint8_t kBlob = 252;
inline constexpr uint8_t kVarString = 253;
inline constexpr uint8_t kString = 254;
inline constexpr uint8_t kGeometry = 255;
}  // namespace field_type

/// "LONG", "VARCHAR", "NEWDECIMAL" ...: for messages.
std::string_view FieldTypeName(uint8_t type);

struct TableMapEvent {
  uint64_t table_id = 0;  // 6 bytes on the wire
  uint16_t flags = 0;
  std::string database, table;
  std::vector<uint8_t> column_types;  // field_type codes, one per column
  /// Per column, the type's metadata as the server packs it into 16 bits:
  /// FLOAT/DOUBLE pack length; BLOB/JSON/GEOMETRY length bytes; VARCHAR max
  /// byte length; STRING the two bytes as sent (byte0 << 8 | byte1: real
  /// type and length, read them with RealType and StringMaxLength);
  /// NEWDECIMAL (precision << 8 | scale); BIT (bytes << 8 | bits);
  /// TIME2/DATETIME2/TIMESTAMP2 fractional digits; 0 for the others.
  std::vector<uint16_t> metadata;
  std::vector<bool> nullable;

  // Optional metadata (binlog_row_metadata = MINIMAL/FULL on MySQL 8 and
  // MariaDB 10.5+). Each vector is empty when the server did not send it;
  // else it has one entry per column.
  std::vector<bool> is_unsigned;  // false for non-numeric columns
  std::vector<uint32_t> charsets;  // collation id; 0 for non-string columns
  std::vector<std::string> column_names;
  /// ENUM / SET labels; an empty vector for other columns.
  std::vector<std::vector<std::string>> enum_labels, set_labels;
  std::vector<int> primary_key;  // column indexes (SIMPLE_PRIMARY_KEY)

  /// The column's type with STRING resolved: kString (CHAR/BINARY), kEnum
  /// or kSet for a kString column, column_types[column] for the others.
  uint8_t RealType(size_t column) const;
  /// For a kString column: the CHAR/BINARY length in bytes, or for ENUM/SET
  /// the number of bytes a value takes.
  uint32_t StringMaxLength(size_t column) const;
};

/// The table map event. Errors say which field was truncated.
absl::StatusOr<TableMapEvent> ParseTableMap(std::span<const uint8_t> event,
                                            const BinlogFormat& format);

// ---- Rows events. ----
enum class RowsKind { kWrite, kUpdate, kDelete };

/// Rows-event flags (RowsEvent::flags).
inline constexpr uint16_t kRowsFlagStatementEnd = 0x0001;

struct RowsEvent {
  RowsKind kind = RowsKind::kWrite;
  uint8_t type = 0;  // the event type code it came from
  uint64_t table_id = 0;
  uint16_t flags = 0;
  uint32_t column_count = 0;
  /// Which columns each image holds: columns_before for update and delete
  /// before-images, columns_after for write and update after-images (for a
  /// write or delete the other bitmap is empty).
  std::vector<bool> columns_before, columns_after;
  /// The row images, one after another (for an update: before, after,
  /// before, after ...), decompressed when the event was compressed.
  std::string rows;
};

/// A rows event of any version (v1, v2 with its extra data skipped,
/// MariaDB compressed). InvalidArgument on truncated or malformed events,
/// DataLoss when a compressed body does not decompress.
absl::StatusOr<RowsEvent> ParseRows(std::span<const uint8_t> event,
                                    const BinlogFormat& format);

// ---- Other events. ----
struct RotateEvent {
  std::string file;
  uint64_t position = 0;
};
/// ROTATE: the next binlog file and the position to read it from. A fake
/// rotate (timestamp 0) opens every dump; the caller tells them apart by
/// the header.
absl::StatusOr<RotateEvent> ParseRotate(std::span<const uint8_t> event,
                                        const BinlogFormat& format);

struct QueryEvent {
  uint32_t thread_id = 0;
  uint32_t exec_time = 0;
  uint16_t error_code = 0;
  std::string database;   // the default database of the statement
  std::string statement;  // "BEGIN", "COMMIT", DDL text, TRUNCATE ...
};
/// QUERY (and MariaDB's QUERY_COMPRESSED, decompressed).
absl::StatusOr<QueryEvent> ParseQuery(std::span<const uint8_t> event,
                                      const BinlogFormat& format);

/// XID: a transaction committed; returns the XA id.
absl::StatusOr<uint64_t> ParseXid(std::span<const uint8_t> event,
                                  const BinlogFormat& format);

/// HEARTBEAT: the binlog file name the server is at (position is the
/// header's log_pos).
absl::StatusOr<std::string> ParseHeartbeat(std::span<const uint8_t> event,
                                           const BinlogFormat& format);

}  // namespace weir::connectors::mysql

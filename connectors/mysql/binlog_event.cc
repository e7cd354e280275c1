#include "connectors/mysql/binlog_event.h"

#include <zlib.h>

#include <cstdlib>

#include "connectors/mysql/byte_reader.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {

absl::Status Truncated(uint8_t type, std::string_view what) {
  return absl::InvalidArgumentError(
      fmt::format("malformed {} event: {} is truncated", EventTypeName(type),
                  what));
}

/// The body of `event` after checking that it is of one of `types`.
absl::StatusOr<std::span<const uint8_t>> BodyOf(
    std::span<const uint8_t> event, const BinlogFormat& format,
    std::initializer_list<uint8_t> types) {
  absl::StatusOr<EventHeader> header = ParseEventHeader(event);
  if (!header.ok()) return header.status();
  bool match = false;
  for (uint8_t t : types) match = match || t == header->type;
  if (!match) {
    return absl::InvalidArgumentError(
        fmt::format("expected a {} event, got {} ({})",
                    EventTypeName(*types.begin()), EventTypeName(header->type),
                    header->type));
  }
  return EventBody(event, format);
}

/// MariaDB's compressed buffer: a byte 0x80 | algorithm << 4 | lenlen, the
/// uncompressed length in lenlen big-endian bytes, then a zlib stream
/// (log_event.cc, binlog_buf_compress).
absl::StatusOr<std::string> MariaUncompress(std::span<const uint8_t> in,
                                            uint8_t type) {
  ByteReader r(in);
  uint8_t head = static_cast<uint8_t>(r.Le(1));
  if (r.failed() || (head & 0x80) == 0 || ((head >> 4) & 0x07) != 0) {
    return absl::DataLossError(
        fmt::format("{} event: not a zlib-compressed body (header byte {:#x})",
                    EventTypeName(type), head));
  }
  size_t lenlen = head & 0x07;
  if (lenlen < 1 || lenlen > 4) {
    return absl::DataLossError(fmt::format(
        "{} event: bad compressed length size {}", EventTypeName(type), lenlen));
  }
  uint64_t len = r.Be(lenlen);
  std::span<const uint8_t> z = r.Rest();
  if (r.failed()) return Truncated(type, "compressed body");
  std::string out(len, '\0');
  uLongf out_len = static_cast<uLongf>(len);
  int rc = uncompress(reinterpret_cast<Bytef*>(out.data()), &out_len, z.data(),
                      static_cast<uLong>(z.size()));
  if (rc != Z_OK || out_len != len) {
    return absl::DataLossError(fmt::format(
        "{} event: the compressed body does not decompress to its {} bytes "
        "(zlib {})",
        EventTypeName(type), len, rc));
  }
  return out;
}

std::vector<bool> ReadBitmap(ByteReader& r, uint32_t bits) {
  std::span<const uint8_t> b = r.Bytes((size_t{bits} + 7) / 8);
  std::vector<bool> out(bits, false);
  if (r.failed()) return out;
  for (uint32_t i = 0; i < bits; ++i) out[i] = (b[i / 8] >> (i % 8)) & 1;
  return out;
}

bool IsNumericType(uint8_t t) {
  using namespace field_type;
  return t == kTiny || t == kShort || t == kInt24 || t == kLong ||
         t == kLongLong || t == kNewDecimal || t == kFloat || t == kDouble ||
         t == kDecimal;
}

}  // namespace

std::string_view EventTypeName(uint8_t type) {
  switch (type) {
    case kStartV3: return "Start_v3";
    case kQuery: return "Query";
    case kStop: return "Stop";
    case kRotate: return "Rotate";
    case kIntvar: return "Intvar";
    case kRand: return "RAND";
    case kUserVar: return "User_var";
    case kFormatDescription: return "Format_desc";
    case kXid: return "Xid";
    case kTableMapEvent: return "Table_map";
    case kWriteRowsV1: return "Write_rows_v1";
    case kUpdateRowsV1: return "Update_rows_v1";
    case kDeleteRowsV1: return "Delete_rows_v1";
    case kIncident: return "Incident";
    case kHeartbeat: return "Heartbeat";
    case kIgnorable: return "Ignorable";
    case kRowsQuery: return "Rows_query";
    case kWriteRowsV2: return "Write_rows";
    case kUpdateRowsV2: return "Update_rows";
    case kDeleteRowsV2: return "Delete_rows";
    case kMySqlGtid: return "Gtid (MySQL)";
    case kMySqlAnonymousGtid: return "Anonymous_Gtid";
    case kMySqlPreviousGtids: return "Previous_gtids";
    case kTransactionContext: return "Transaction_context";
    case kViewChange: return "View_change";
    case kXaPrepare: return "XA_prepare";
    case kPartialUpdateRows: return "Update_rows_partial";
    case kTransactionPayload: return "Transaction_payload";
    case kHeartbeatV2: return "Heartbeat_v2";
    case kMariaAnnotateRows: return "Annotate_rows";
    case kMariaBinlogCheckpoint: return "Binlog_checkpoint";
    case kMariaGtid: return "Gtid";
    case kMariaGtidList: return "Gtid_list";
    case kMariaStartEncryption: return "Start_encryption";
    case kMariaQueryCompressed: return "Query_compressed";
    case kMariaWriteRowsCompressedV1: return "Write_rows_compressed_v1";
    case kMariaUpdateRowsCompressedV1: return "Update_rows_compressed_v1";
    case kMariaDeleteRowsCompressedV1: return "Delete_rows_compressed_v1";
    case kMariaWriteRowsCompressed: return "Write_rows_compressed";
    case kMariaUpdateRowsCompressed: return "Update_rows_compressed";
    case kMariaDeleteRowsCompressed: return "Delete_rows_compressed";
    default: return "Unknown";
  }
}

std::string_view FieldTypeName(uint8_t type) {
  using namespace field_type;
  switch (type) {
    case kDecimal: return "DECIMAL";
    case kTiny: return "TINY";
    case kShort: return "SHORT";
    case kLong: return "LONG";
    case kFloat: return "FLOAT";
    case kDouble: return "DOUBLE";
    case kNull: return "NULL";
    case kTimestamp: return "TIMESTAMP";
    case kLongLong: return "LONGLONG";
    case kInt24: return "INT24";
    case kDate: return "DATE";
    case kTime: return "TIME";
    case kDateTime: return "DATETIME";
    case kYear: return "YEAR";
    case kNewDate: return "NEWDATE";
    case kVarchar: return "VARCHAR";
    case kBit: return "BIT";
    case kTimestamp2: return "TIMESTAMP2";
    case kDateTime2: return "DATETIME2";
    case kTime2: return "TIME2";
    case kJson: return "JSON";
    case kNewDecimal: return "NEWDECIMAL";
    case kEnum: return "ENUM";
    case kSet: return "SET";
    case kTinyBlob: return "TINY_BLOB";
    case kMediumBlob: return "MEDIUM_BLOB";
    case kLongBlob: return "LONG_BLOB";
    case kBlob: return "BLOB";
    case kVarString: return "VAR_STRING";
    case kString: return "STRING";
    case kGeometry: return "GEOMETRY";
    default: return "UNKNOWN";
  }
}

bool IsRowsEvent(uint8_t t) {
  return (t >= kWriteRowsV1 && t <= kDeleteRowsV1) || t == kPartialUpdateRows ||
         (t >= kWriteRowsV2 && t <= kDeleteRowsV2) ||
         (t >= kMariaWriteRowsCompressedV1 && t <= kMariaDeleteRowsCompressed);
}

std::span<const uint8_t> StripOkByte(std::span<const uint8_t> event) {
  if (event.size() >= kEventHeaderSize + 1 && event[0] == 0x00) {
    uint32_t size = uint32_t{event[10]} | uint32_t{event[11]} << 8 |
                    uint32_t{event[12]} << 16 | uint32_t{event[13]} << 24;
    if (size == event.size() - 1) return event.subspan(1);
  }
  return event;
}

absl::StatusOr<EventHeader> ParseEventHeader(std::span<const uint8_t> event) {
  ByteReader r(event);
  EventHeader h;
  h.timestamp = static_cast<uint32_t>(r.Le(4));
  h.type = static_cast<uint8_t>(r.Le(1));
  h.server_id = static_cast<uint32_t>(r.Le(4));
  h.event_size = static_cast<uint32_t>(r.Le(4));
  h.log_pos = static_cast<uint32_t>(r.Le(4));
  h.flags = static_cast<uint16_t>(r.Le(2));
  if (r.failed()) {
    return absl::InvalidArgumentError(fmt::format(
        "malformed binlog event: {} bytes, shorter than the 19-byte header",
        event.size()));
  }
  if (h.event_size < kEventHeaderSize || h.event_size > event.size()) {
    return absl::InvalidArgumentError(fmt::format(
        "malformed {} event: its header gives a size of {} bytes but {} "
        "arrived",
        EventTypeName(h.type), h.event_size, event.size()));
  }
  return h;
}

absl::StatusOr<std::span<const uint8_t>> EventBody(
    std::span<const uint8_t> event, const BinlogFormat& format) {
  absl::StatusOr<EventHeader> h = ParseEventHeader(event);
  if (!h.ok()) return h.status();
  size_t trailer = format.checksum ? kChecksumSize : 0;
  if (h->event_size < kEventHeaderSize + trailer) {
    return Truncated(h->type, "checksum trailer");
  }
  return event.subspan(kEventHeaderSize,
                       h->event_size - kEventHeaderSize - trailer);
}

absl::Status VerifyChecksum(std::span<const uint8_t> event,
                            const BinlogFormat& format) {
  if (!format.checksum) return absl::OkStatus();
  absl::StatusOr<EventHeader> h = ParseEventHeader(event);
  if (!h.ok()) return h.status();
  if (h->event_size < kEventHeaderSize + kChecksumSize) {
    return Truncated(h->type, "checksum trailer");
  }
  size_t n = h->event_size - kChecksumSize;
  uint32_t expected = uint32_t{event[n]} | uint32_t{event[n + 1]} << 8 |
                      uint32_t{event[n + 2]} << 16 |
                      uint32_t{event[n + 3]} << 24;
  uint32_t actual = static_cast<uint32_t>(
      crc32(0L, event.data(), static_cast<uInt>(n)));
  if (actual != expected) {
    return absl::DataLossError(fmt::format(
        "{} event ending at position {}: CRC32 {:08x} does not match its "
        "checksum {:08x}",
        EventTypeName(h->type), h->log_pos, actual, expected));
  }
  return absl::OkStatus();
}

absl::StatusOr<FormatDescriptionEvent> ParseFormatDescription(
    std::span<const uint8_t> event) {
  absl::StatusOr<std::span<const uint8_t>> all =
      BodyOf(event, BinlogFormat{.checksum = false}, {kFormatDescription});
  if (!all.ok()) return all.status();
  ByteReader r(*all);
  FormatDescriptionEvent f;
  f.binlog_version = static_cast<uint16_t>(r.Le(2));
  std::string_view version = r.Str(50);
  f.server_version = std::string(version.substr(0, version.find('\0')));
  f.create_timestamp = static_cast<uint32_t>(r.Le(4));
  f.header_length = static_cast<uint8_t>(r.Le(1));
  if (r.failed()) return Truncated(kFormatDescription, "fixed part");
  // Servers from 5.6.1 on end the event with the checksum algorithm byte
  // and a CRC32 (whatever the algorithm, this event always has room for it).
  int major = std::atoi(f.server_version.c_str());
  size_t dot = f.server_version.find('.');
  int minor = dot == std::string::npos
                  ? 0
                  : std::atoi(f.server_version.c_str() + dot + 1);
  size_t dot2 = dot == std::string::npos ? std::string::npos
                                         : f.server_version.find('.', dot + 1);
  int patch = dot2 == std::string::npos
                  ? 0
                  : std::atoi(f.server_version.c_str() + dot2 + 1);
  bool has_alg = major > 5 || (major == 5 && minor > 6) ||
                 (major == 5 && minor == 6 && patch >= 1);
  size_t tail = has_alg ? 1 + kChecksumSize : 0;
  if (r.remaining() < tail) return Truncated(kFormatDescription, "trailer");
  std::span<const uint8_t> lengths = r.Bytes(r.remaining() - tail);
  f.post_header_lengths.assign(lengths.begin(), lengths.end());
  if (has_alg) f.checksum_alg = static_cast<uint8_t>(r.Le(1));
  return f;
}

uint8_t TableMapEvent::RealType(size_t column) const {
  uint8_t t = column_types[column];
  if (t != field_type::kString) return t;
  uint8_t byte0 = static_cast<uint8_t>(metadata[column] >> 8);
  if ((byte0 & 0x30) != 0x30) return field_type::kString;  // CHAR > 255
  return byte0;
}

uint32_t TableMapEvent::StringMaxLength(size_t column) const {
  uint8_t byte0 = static_cast<uint8_t>(metadata[column] >> 8);
  uint32_t byte1 = metadata[column] & 0xff;
  if ((byte0 & 0x30) != 0x30) {
    // CHAR(n) with n * mbmaxlen > 255: two more length bits hide in byte0
    // (MySQL bug #37426).
    return byte1 | ((uint32_t{byte0} & 0x30) ^ 0x30) << 4;
  }
  return byte1;
}

absl::StatusOr<TableMapEvent> ParseTableMap(std::span<const uint8_t> event,
                                            const BinlogFormat& format) {
  absl::StatusOr<std::span<const uint8_t>> body =
      BodyOf(event, format, {kTableMapEvent});
  if (!body.ok()) return body.status();
  ByteReader r(*body);
  TableMapEvent m;
  m.table_id = r.Le(6);
  m.flags = static_cast<uint16_t>(r.Le(2));
  m.database = std::string(r.Str(r.Le(1)));
  r.Skip(1);
  m.table = std::string(r.Str(r.Le(1)));
  r.Skip(1);
  uint64_t n = r.Packed();
  if (r.failed() || n > r.remaining()) {
    return Truncated(kTableMapEvent, "table name or column count");
  }
  std::span<const uint8_t> types = r.Bytes(n);
  m.column_types.assign(types.begin(), types.end());
  uint64_t meta_len = r.Packed();
  if (r.failed()) return Truncated(kTableMapEvent, "column types");
  ByteReader meta(r.Bytes(meta_len));
  if (r.failed()) return Truncated(kTableMapEvent, "column metadata");
  m.metadata.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    using namespace field_type;
    switch (m.column_types[i]) {
      case kFloat:
      case kDouble:
      case kBlob:
      case kTinyBlob:
      case kMediumBlob:
      case kLongBlob:
      case kJson:
      case kGeometry:
      case kTimestamp2:
      case kDateTime2:
      case kTime2:
        m.metadata[i] = static_cast<uint16_t>(meta.Le(1));
        break;
      case kVarchar:
      case kVarString:
      case kBit:
        m.metadata[i] = static_cast<uint16_t>(meta.Le(2));
        break;
      case kString:
      case kNewDecimal:
      case kEnum:
      case kSet:
        m.metadata[i] = static_cast<uint16_t>(meta.Be(2));
        break;
      default:
        break;
    }
  }
  if (meta.failed()) {
    return Truncated(kTableMapEvent, "column metadata (for its types)");
  }
  std::vector<bool> nulls = ReadBitmap(r, static_cast<uint32_t>(n));
  if (r.failed()) return Truncated(kTableMapEvent, "null bitmap");
  m.nullable = std::move(nulls);

  // Optional metadata: type byte, length, value (binlog_row_metadata).
  auto character = [&](size_t i) {
    uint8_t t = m.RealType(i);
    using namespace field_type;
    return t == kString || t == kVarchar || t == kVarString || t == kBlob ||
           t == kTinyBlob || t == kMediumBlob || t == kLongBlob;
  };
  while (r.remaining() > 0) {
    uint8_t kind = static_cast<uint8_t>(r.Le(1));
    uint64_t len = r.Packed();
    ByteReader v(r.Bytes(len));
    if (r.failed()) return Truncated(kTableMapEvent, "optional metadata");
    switch (kind) {
      case 1: {  // SIGNEDNESS: one bit per numeric column, MSB first
        m.is_unsigned.assign(n, false);
        size_t k = 0;
        std::span<const uint8_t> bits = v.Rest();
        for (size_t i = 0; i < n; ++i) {
          if (!IsNumericType(m.column_types[i])) continue;
          if (k / 8 >= bits.size()) break;
          m.is_unsigned[i] = (bits[k / 8] >> (7 - k % 8)) & 1;
          ++k;
        }
        break;
      }
      case 2:    // DEFAULT_CHARSET: default, then (index, charset) pairs
      case 3: {  // COLUMN_CHARSET: one per character column
        std::vector<uint32_t> per_char;
        size_t chars = 0;
        for (size_t i = 0; i < n; ++i) chars += character(i);
        if (kind == 2) {
          per_char.assign(chars, static_cast<uint32_t>(v.Packed()));
          while (v.remaining() > 0 && !v.failed()) {
            uint64_t idx = v.Packed();
            uint64_t cs = v.Packed();
            if (idx < chars) per_char[idx] = static_cast<uint32_t>(cs);
          }
        } else {
          while (v.remaining() > 0 && !v.failed()) {
            per_char.push_back(static_cast<uint32_t>(v.Packed()));
          }
        }
        m.charsets.assign(n, 0);
        size_t k = 0;
        for (size_t i = 0; i < n && k < per_char.size(); ++i) {
          if (character(i)) m.charsets[i] = per_char[k++];
        }
        break;
      }
      case 4:  // COLUMN_NAME
        for (size_t i = 0; i < n && v.remaining() > 0; ++i) {
          m.column_names.emplace_back(v.Str(v.Packed()));
        }
        break;
      case 5:    // SET_STR_VALUE
      case 6: {  // ENUM_STR_VALUE
        auto& labels = kind == 5 ? m.set_labels : m.enum_labels;
        labels.assign(n, {});
        uint8_t want = kind == 5 ? field_type::kSet : field_type::kEnum;
        for (size_t i = 0; i < n && v.remaining() > 0; ++i) {
          if (m.RealType(i) != want) continue;
          uint64_t count = v.Packed();
          for (uint64_t j = 0; j < count && !v.failed(); ++j) {
            labels[i].emplace_back(v.Str(v.Packed()));
          }
        }
        break;
      }
      case 8:  // SIMPLE_PRIMARY_KEY
        while (v.remaining() > 0 && !v.failed()) {
          m.primary_key.push_back(static_cast<int>(v.Packed()));
        }
        break;
      case 9:  // PRIMARY_KEY_WITH_PREFIX: (index, prefix length) pairs
        while (v.remaining() > 0 && !v.failed()) {
          m.primary_key.push_back(static_cast<int>(v.Packed()));
          v.Packed();
        }
        break;
      default:  // geometry types, enum/set charsets, visibility: unused
        break;
    }
    if (v.failed()) {
      return Truncated(kTableMapEvent,
                       fmt::format("optional metadata field {}", kind));
    }
  }
  return m;
}

absl::StatusOr<RowsEvent> ParseRows(std::span<const uint8_t> event,
                                    const BinlogFormat& format) {
  absl::StatusOr<EventHeader> h = ParseEventHeader(event);
  if (!h.ok()) return h.status();
  uint8_t t = h->type;
  if (!IsRowsEvent(t)) {
    return absl::InvalidArgumentError(
        fmt::format("expected a rows event, got {} ({})", EventTypeName(t), t));
  }
  if (t == kPartialUpdateRows) {
    return absl::UnimplementedError(
        "MySQL sent a partial JSON update (binlog_row_value_options = "
        "PARTIAL_JSON), which Weir cannot apply; set binlog_row_value_options "
        "= '' on the server");
  }
  absl::StatusOr<std::span<const uint8_t>> body = EventBody(event, format);
  if (!body.ok()) return body.status();
  RowsEvent e;
  e.type = t;
  int op;  // 0 write, 1 update, 2 delete
  bool v2 = false, compressed = false;
  if (t <= kDeleteRowsV1) {
    op = t - kWriteRowsV1;
  } else if (t <= kDeleteRowsV2) {
    op = t - kWriteRowsV2;
    v2 = true;
  } else if (t <= kMariaDeleteRowsCompressedV1) {
    op = t - kMariaWriteRowsCompressedV1;
    compressed = true;
  } else {
    op = t - kMariaWriteRowsCompressed;
    v2 = compressed = true;
  }
  e.kind = op == 0   ? RowsKind::kWrite
           : op == 1 ? RowsKind::kUpdate
                     : RowsKind::kDelete;
  ByteReader r(*body);
  e.table_id = r.Le(6);
  e.flags = static_cast<uint16_t>(r.Le(2));
  if (v2) {
    // Extra data (MySQL 8: NDB info, partition ids): its length counts
    // its own two bytes.
    uint64_t extra = r.Le(2);
    if (extra < 2) return Truncated(t, "extra data length");
    r.Skip(extra - 2);
  }
  uint64_t n = r.Packed();
  if (r.failed() || n > 8 * r.remaining()) return Truncated(t, "header");
  e.column_count = static_cast<uint32_t>(n);
  if (e.kind == RowsKind::kWrite) {
    e.columns_after = ReadBitmap(r, e.column_count);
  } else {
    e.columns_before = ReadBitmap(r, e.column_count);
    if (e.kind == RowsKind::kUpdate) {
      e.columns_after = ReadBitmap(r, e.column_count);
    }
  }
  if (r.failed()) return Truncated(t, "column bitmaps");
  std::span<const uint8_t> rows = r.Rest();
  if (compressed) {
    absl::StatusOr<std::string> plain = MariaUncompress(rows, t);
    if (!plain.ok()) return plain.status();
    e.rows = std::move(*plain);
  } else {
    e.rows.assign(reinterpret_cast<const char*>(rows.data()), rows.size());
  }
  return e;
}

absl::StatusOr<RotateEvent> ParseRotate(std::span<const uint8_t> event,
                                        const BinlogFormat& format) {
  absl::StatusOr<std::span<const uint8_t>> body =
      BodyOf(event, format, {kRotate});
  if (!body.ok()) return body.status();
  ByteReader r(*body);
  RotateEvent e;
  e.position = r.Le(8);
  e.file = std::string(r.Str(r.remaining()));
  if (r.failed()) return Truncated(kRotate, "position");
  return e;
}

absl::StatusOr<QueryEvent> ParseQuery(std::span<const uint8_t> event,
                                      const BinlogFormat& format) {
  absl::StatusOr<std::span<const uint8_t>> body =
      BodyOf(event, format, {kQuery, kMariaQueryCompressed});
  if (!body.ok()) return body.status();
  uint8_t type = event[4];
  ByteReader r(*body);
  QueryEvent e;
  e.thread_id = static_cast<uint32_t>(r.Le(4));
  e.exec_time = static_cast<uint32_t>(r.Le(4));
  size_t db_len = r.Le(1);
  e.error_code = static_cast<uint16_t>(r.Le(2));
  r.Skip(r.Le(2));  // status variables
  e.database = std::string(r.Str(db_len));
  r.Skip(1);
  if (r.failed()) return Truncated(type, "header");
  std::span<const uint8_t> text = r.Rest();
  if (type == kMariaQueryCompressed) {
    absl::StatusOr<std::string> plain = MariaUncompress(text, type);
    if (!plain.ok()) return plain.status();
    e.statement = std::move(*plain);
  } else {
    e.statement.assign(reinterpret_cast<const char*>(text.data()), text.size());
  }
  return e;
}

absl::StatusOr<uint64_t> ParseXid(std::span<const uint8_t> event,
                                  const BinlogFormat& format) {
  absl::StatusOr<std::span<const uint8_t>> body = BodyOf(event, format, {kXid});
  if (!body.ok()) return body.status();
  ByteReader r(*body);
  uint64_t xid = r.Le(8);
  if (r.failed()) return Truncated(kXid, "xid");
  return xid;
}

absl::StatusOr<std::string> ParseHeartbeat(std::span<const uint8_t> event,
                                           const BinlogFormat& format) {
  absl::StatusOr<std::span<const uint8_t>> body =
      BodyOf(event, format, {kHeartbeat, kHeartbeatV2});
  if (!body.ok()) return body.status();
  ByteReader r(*body);
  if (event[4] == kHeartbeat) return std::string(r.Str(r.remaining()));
  // v2: (type, length, value) fields; 1 is the file name.
  std::string file;
  while (r.remaining() > 0 && !r.failed()) {
    uint8_t kind = static_cast<uint8_t>(r.Le(1));
    std::string_view v = r.Str(r.Packed());
    if (kind == 1) file = std::string(v);
  }
  if (r.failed()) return Truncated(kHeartbeatV2, "fields");
  return file;
}

}  // namespace weir::connectors::mysql

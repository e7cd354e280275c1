#include "connectors/mysql/gtid.h"

#include <algorithm>
#include <charconv>
#include <limits>

#include "connectors/mysql/byte_reader.h"
#include "fmt/format.h"

namespace weir::connectors::mysql {
namespace {

absl::Status Truncated(uint8_t type) {
  return absl::InvalidArgumentError(
      fmt::format("malformed {} event: truncated", EventTypeName(type)));
}

absl::StatusOr<std::span<const uint8_t>> BodyOfType(
    std::span<const uint8_t> event, const BinlogFormat& format, uint8_t a,
    uint8_t b) {
  absl::StatusOr<EventHeader> h = ParseEventHeader(event);
  if (!h.ok()) return h.status();
  if (h->type != a && h->type != b) {
    return absl::InvalidArgumentError(
        fmt::format("expected a {} event, got {} ({})", EventTypeName(a),
                    EventTypeName(h->type), h->type));
  }
  return EventBody(event, format);
}

template <typename T>
bool ParseNumber(std::string_view s, T* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return parts;
}

absl::Status BadSet(std::string_view text, std::string_view part) {
  return absl::InvalidArgumentError(fmt::format(
      "invalid GTID position '{}': cannot read '{}'", text, part));
}

}  // namespace

std::string Gtid::ToString() const {
  return fmt::format("{}-{}-{}", domain, server, seq);
}

absl::StatusOr<MariaGtidEvent> ParseMariaGtid(std::span<const uint8_t> event,
                                              const BinlogFormat& format) {
  absl::StatusOr<std::span<const uint8_t>> body =
      BodyOfType(event, format, kMariaGtid, kMariaGtid);
  if (!body.ok()) return body.status();
  absl::StatusOr<EventHeader> h = ParseEventHeader(event);
  ByteReader r(*body);
  MariaGtidEvent e;
  e.gtid.seq = r.Le(8);
  e.gtid.domain = static_cast<uint32_t>(r.Le(4));
  e.gtid.server = h->server_id;
  e.flags = static_cast<uint8_t>(r.Le(1));
  if (e.flags & 0x02) e.commit_id = r.Le(8);  // FL_GROUP_COMMIT_ID
  if (r.failed()) return Truncated(kMariaGtid);
  return e;
}

absl::StatusOr<std::vector<Gtid>> ParseMariaGtidList(
    std::span<const uint8_t> event, const BinlogFormat& format) {
  absl::StatusOr<std::span<const uint8_t>> body =
      BodyOfType(event, format, kMariaGtidList, kMariaGtidList);
  if (!body.ok()) return body.status();
  ByteReader r(*body);
  uint32_t count = static_cast<uint32_t>(r.Le(4)) & 0x0fffffff;  // 4 flag bits
  if (r.failed() || count > r.remaining() / 16) {
    return Truncated(kMariaGtidList);
  }
  std::vector<Gtid> out;
  for (uint32_t i = 0; i < count; ++i) {
    Gtid g;
    g.domain = static_cast<uint32_t>(r.Le(4));
    g.server = static_cast<uint32_t>(r.Le(4));
    g.seq = r.Le(8);
    out.push_back(g);
  }
  if (r.failed()) return Truncated(kMariaGtidList);
  return out;
}

std::string UuidToString(const Uuid& u) {
  std::string s;
  for (size_t i = 0; i < u.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += fmt::format("{:02x}", u[i]);
  }
  return s;
}

absl::StatusOr<Uuid> ParseUuid(std::string_view text) {
  Uuid u{};
  size_t k = 0;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '-' && (i == 8 || i == 13 || i == 18 || i == 23)) continue;
    if (k >= 32 || hex(text[i]) < 0) {
      return absl::InvalidArgumentError(
          fmt::format("invalid server uuid '{}'", text));
    }
    u[k / 2] = static_cast<uint8_t>(u[k / 2] << 4 | hex(text[i]));
    ++k;
  }
  if (k != 32) {
    return absl::InvalidArgumentError(
        fmt::format("invalid server uuid '{}'", text));
  }
  return u;
}

std::string MySqlGtid::ToString() const {
  return fmt::format("{}:{}", UuidToString(uuid), gno);
}

absl::StatusOr<MySqlGtidEvent> ParseMySqlGtid(std::span<const uint8_t> event,
                                              const BinlogFormat& format) {
  absl::StatusOr<std::span<const uint8_t>> body =
      BodyOfType(event, format, kMySqlGtid, kMySqlAnonymousGtid);
  if (!body.ok()) return body.status();
  ByteReader r(*body);
  MySqlGtidEvent e;
  e.flags = static_cast<uint8_t>(r.Le(1));
  std::span<const uint8_t> sid = r.Bytes(16);
  e.gtid.gno = static_cast<int64_t>(r.Le(8));
  if (r.failed()) return Truncated(kMySqlGtid);
  std::copy(sid.begin(), sid.end(), e.gtid.uuid.begin());
  // Logical clock (5.7+): type 2, last_committed, sequence_number.
  if (r.remaining() >= 17 && r.Le(1) == 2) {
    e.last_committed = static_cast<int64_t>(r.Le(8));
    e.sequence_number = static_cast<int64_t>(r.Le(8));
  }
  return e;
}

absl::StatusOr<GtidSet> GtidSet::Parse(std::string_view text, Flavor flavor) {
  std::string clean;
  for (char c : text) {
    if (c != ' ' && c != '\n' && c != '\t' && c != '\r') clean += c;
  }
  GtidSet set(flavor);
  if (clean.empty()) return set;
  for (std::string_view part : Split(clean, ',')) {
    if (flavor == Flavor::kMariaDb) {
      std::vector<std::string_view> f = Split(part, '-');
      Gtid g;
      if (f.size() != 3 || !ParseNumber(f[0], &g.domain) ||
          !ParseNumber(f[1], &g.server) || !ParseNumber(f[2], &g.seq)) {
        return BadSet(text, part);
      }
      if (set.maria_.count(g.domain)) {
        return absl::InvalidArgumentError(fmt::format(
            "invalid GTID position '{}': domain {} appears twice", text,
            g.domain));
      }
      set.maria_[g.domain] = g;
      continue;
    }
    std::vector<std::string_view> f = Split(part, ':');
    absl::StatusOr<Uuid> uuid = ParseUuid(f[0]);
    if (!uuid.ok() || f.size() < 2) return BadSet(text, part);
    for (size_t i = 1; i < f.size(); ++i) {
      std::vector<std::string_view> ends = Split(f[i], '-');
      int64_t a = 0, b = 0;
      if (ends.size() > 2 || !ParseNumber(ends[0], &a) ||
          (ends.size() == 2 && !ParseNumber(ends[1], &b))) {
        return BadSet(text, f[i]);
      }
      if (ends.size() == 1) b = a;
      if (a < 1 || b < a) return BadSet(text, f[i]);
      set.AddInterval(*uuid, a, b);
    }
  }
  return set;
}

void GtidSet::Add(const Gtid& gtid) { maria_[gtid.domain] = gtid; }

void GtidSet::Add(const MySqlGtid& gtid) {
  AddInterval(gtid.uuid, gtid.gno, gtid.gno);
}

void GtidSet::AddInterval(const Uuid& uuid, int64_t first, int64_t last) {
  std::vector<std::pair<int64_t, int64_t>>& iv = mysql_[uuid];
  iv.emplace_back(first, last);
  std::sort(iv.begin(), iv.end());
  std::vector<std::pair<int64_t, int64_t>> merged;
  for (const auto& x : iv) {
    // Overlapping or adjacent (x.first - 1 <= end, written without overflow).
    if (!merged.empty() && x.first - merged.back().second <= 1) {
      merged.back().second = std::max(merged.back().second, x.second);
    } else {
      merged.push_back(x);
    }
  }
  iv = std::move(merged);
}

bool GtidSet::Contains(const Gtid& gtid) const {
  auto it = maria_.find(gtid.domain);
  return it != maria_.end() && it->second.seq >= gtid.seq;
}

bool GtidSet::Contains(const MySqlGtid& gtid) const {
  auto it = mysql_.find(gtid.uuid);
  if (it == mysql_.end()) return false;
  for (const auto& [a, b] : it->second) {
    if (gtid.gno >= a && gtid.gno <= b) return true;
  }
  return false;
}

std::string GtidSet::ToString() const {
  std::string out;
  for (const auto& [domain, g] : maria_) {
    if (!out.empty()) out += ',';
    out += g.ToString();
  }
  for (const auto& [uuid, intervals] : mysql_) {
    if (!out.empty()) out += ',';
    out += UuidToString(uuid);
    for (const auto& [a, b] : intervals) {
      out += a == b ? fmt::format(":{}", a) : fmt::format(":{}-{}", a, b);
    }
  }
  return out;
}

}  // namespace weir::connectors::mysql

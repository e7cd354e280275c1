#pragma once

// Bounds-checked reading of binlog bytes for the event and row parsers: a
// read past the end yields zeros and marks the reader failed (checked once
// per field group), so malformed input can never be read out of bounds.

#include <cstdint>
#include <span>
#include <string_view>

namespace weir::connectors::mysql {

class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> data) : data_(data) {}

  bool failed() const { return failed_; }
  size_t pos() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }

  /// Little-endian unsigned integer of `n` (1..8) bytes.
  uint64_t Le(size_t n) {
    if (!Need(n)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t{data_[pos_ + i]} << (8 * i);
    pos_ += n;
    return v;
  }
  /// Big-endian unsigned integer of `n` (1..8) bytes.
  uint64_t Be(size_t n) {
    if (!Need(n)) return 0;
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | data_[pos_ + i];
    pos_ += n;
    return v;
  }
  std::span<const uint8_t> Bytes(size_t n) {
    if (!Need(n)) return {};
    std::span<const uint8_t> s = data_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  std::string_view Str(size_t n) {
    std::span<const uint8_t> s = Bytes(n);
    return std::string_view(reinterpret_cast<const char*>(s.data()), s.size());
  }
  std::span<const uint8_t> Rest() { return Bytes(remaining()); }
  void Skip(size_t n) {
    if (Need(n)) pos_ += n;
  }
  /// A length-encoded integer (1, 3, 4 or 9 bytes); 0xFB (NULL) and 0xFF
  /// mark the reader failed.
  uint64_t Packed() {
    uint64_t first = Le(1);
    if (first < 251) return first;
    if (first == 252) return Le(2);
    if (first == 253) return Le(3);
    if (first == 254) return Le(8);
    failed_ = true;
    return 0;
  }

 private:
  bool Need(size_t n) {
    if (failed_ || n > remaining()) {
      failed_ = true;
      return false;
    }
    return true;
  }

  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace weir::connectors::mysql

#pragma once

// Calendar arithmetic in the proleptic Gregorian calendar, no time zones.
// Internal to Weir: shared by Value (parsing, formatting, casts) and the
// expression interpreter (EXTRACT, DATE_FORMAT, interval arithmetic).

#include <cstdint>
#include <optional>

namespace weir::types::internal {

constexpr int64_t kMicrosPerMilli = 1'000;
constexpr int64_t kMicrosPerSecond = 1'000'000;
constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

/// The range of DATE and TIMESTAMP values: 0001-01-01 to 9999-12-31
/// (23:59:59.999999). A result outside it is an error.
constexpr int64_t kMinDays = -719162;  // 0001-01-01
constexpr int64_t kMaxDays = 2932896;  // 9999-12-31
constexpr int64_t kMinMicros = kMinDays * kMicrosPerDay;
constexpr int64_t kMaxMicros = (kMaxDays + 1) * kMicrosPerDay - 1;
inline bool DateInRange(int64_t days) {
  return days >= kMinDays && days <= kMaxDays;
}
inline bool TimestampInRange(int64_t micros) {
  return micros >= kMinMicros && micros <= kMaxMicros;
}

/// Division rounding toward negative infinity (b > 0).
int64_t FloorDiv(int64_t a, int64_t b);
/// The non-negative remainder matching FloorDiv (b > 0).
int64_t FloorMod(int64_t a, int64_t b);

bool IsLeapYear(int64_t year);
int DaysInMonth(int64_t year, int month);
/// Days since 1970-01-01 of a civil date (month 1..12, day 1..31).
int64_t DaysFromCivil(int64_t year, int month, int day);

/// A broken-down date and time of day.
struct CivilDateTime {
  int64_t year = 1970;
  int month = 1;
  int day = 1;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int micros = 0;  // 0..999999
};
CivilDateTime CivilFromDays(int64_t days);
CivilDateTime CivilFromMicros(int64_t micros);
/// Micros since epoch; nullopt on int64 overflow.
std::optional<int64_t> MicrosFromCivil(const CivilDateTime& c);

/// 0 = Sunday .. 6 = Saturday.
int DayOfWeek(int64_t days);
/// 1..366.
int DayOfYear(const CivilDateTime& c);
/// ISO 8601 week number (1..53), weeks start on Monday.
int IsoWeek(int64_t days);

/// `micros` moved by `months` calendar months; the day of month is clamped
/// to the last day of the target month (Jan 31 + 1 month = Feb 28/29).
/// nullopt on overflow.
std::optional<int64_t> AddMonths(int64_t micros, int64_t months);

}  // namespace weir::types::internal

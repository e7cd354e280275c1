#include "engine/types/temporal_util.h"

namespace weir::types::internal {

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

int64_t FloorMod(int64_t a, int64_t b) { return a - FloorDiv(a, b) * b; }

bool IsLeapYear(int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

// Counting in 400-year eras (146097 days each) starting on March 1st, so the
// leap day is the last day of a "year" and month lengths follow a pattern.
int64_t DaysFromCivil(int64_t year, int month, int day) {
  int64_t y = month <= 2 ? year - 1 : year;
  int64_t era = FloorDiv(y, 400);
  int64_t year_of_era = y - era * 400;                            // 0..399
  int64_t shifted_month = month > 2 ? month - 3 : month + 9;      // Mar = 0
  int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;  // 0..365
  int64_t day_of_era =
      year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: 0000-03-01 to 1970
}

CivilDateTime CivilFromDays(int64_t days) {
  int64_t z = days + 719468;
  int64_t era = FloorDiv(z, 146097);
  int64_t day_of_era = z - era * 146097;  // 0..146096
  int64_t year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 -
                         day_of_era / 146096) /
                        365;
  int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  int64_t shifted_month = (5 * day_of_year + 2) / 153;
  CivilDateTime c;
  c.day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  c.month = static_cast<int>(shifted_month < 10 ? shifted_month + 3
                                                : shifted_month - 9);
  c.year = year_of_era + era * 400 + (c.month <= 2 ? 1 : 0);
  return c;
}

CivilDateTime CivilFromMicros(int64_t micros) {
  int64_t days = FloorDiv(micros, kMicrosPerDay);
  int64_t rest = FloorMod(micros, kMicrosPerDay);
  CivilDateTime c = CivilFromDays(days);
  c.hour = static_cast<int>(rest / kMicrosPerHour);
  c.minute = static_cast<int>(rest / kMicrosPerMinute % 60);
  c.second = static_cast<int>(rest / kMicrosPerSecond % 60);
  c.micros = static_cast<int>(rest % kMicrosPerSecond);
  return c;
}

std::optional<int64_t> MicrosFromCivil(const CivilDateTime& c) {
  int64_t days = DaysFromCivil(c.year, c.month, c.day);
  int64_t tod = c.hour * kMicrosPerHour + c.minute * kMicrosPerMinute +
                c.second * kMicrosPerSecond + c.micros;
  int64_t r;
  if (__builtin_mul_overflow(days, kMicrosPerDay, &r)) return std::nullopt;
  if (__builtin_add_overflow(r, tod, &r)) return std::nullopt;
  return r;
}

int DayOfWeek(int64_t days) {
  return static_cast<int>(FloorMod(days + 4, 7));  // 1970-01-01: Thursday
}

int DayOfYear(const CivilDateTime& c) {
  return static_cast<int>(DaysFromCivil(c.year, c.month, c.day) -
                          DaysFromCivil(c.year, 1, 1) + 1);
}

int IsoWeek(int64_t days) {
  // The ISO week belongs to the year holding its Thursday.
  int iso_dow = (DayOfWeek(days) + 6) % 7;  // Monday = 0
  int64_t thursday = days - iso_dow + 3;
  CivilDateTime t = CivilFromDays(thursday);
  int64_t first = DaysFromCivil(t.year, 1, 1);
  return static_cast<int>((thursday - first) / 7 + 1);
}

std::optional<int64_t> AddMonths(int64_t micros, int64_t months) {
  if (months == 0) return micros;
  CivilDateTime c = CivilFromMicros(micros);
  int64_t total = c.year * 12 + (c.month - 1);
  if (__builtin_add_overflow(total, months, &total)) return std::nullopt;
  if (total / 12 > 1'000'000 || total / 12 < -1'000'000) return std::nullopt;
  c.year = FloorDiv(total, 12);
  c.month = static_cast<int>(FloorMod(total, 12)) + 1;
  int dim = DaysInMonth(c.year, c.month);
  if (c.day > dim) c.day = dim;
  return MicrosFromCivil(c);
}

}  // namespace weir::types::internal

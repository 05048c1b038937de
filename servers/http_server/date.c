/* date.c: HTTP-dates: the proleptic Gregorian calendar in UTC, formatted and parsed by hand. */
#include "date.h"

#include <warp/error.h>
#include <warp/fmt.h>
#include <warp/string.h>

#define DATE_DAY 86400
#define DATE_CYCLE_DAYS 146097 /* days in 400 Gregorian years: the calendar repeats after them */
#define DATE_YEAR_MAX 9999

static const char DATE_WDAYS[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const DATE_WDAYS_LONG[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                               "Thursday", "Friday", "Saturday"};
static const char DATE_MONTHS[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* True for a leap year of the Gregorian calendar. */
static bool date_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Days in month m (0..11) of year y. */
static int date_month_days(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return days[m] + (m == 1 && date_leap(y));
}

/* Leap years in [0, y): year 0 is one (divisible by 400), then those of [1, y - 1]. */
static int64_t date_leaps_before(int64_t y)
{
    int64_t n = y - 1;
    return y > 0 ? 1 + n / 4 - n / 100 + n / 400 : 0;
}

/* Days from 1970-01-01 to the first day of year y (negative before 1970); 0 <= y <= 10000. */
static int64_t date_year_start(int64_t y)
{
    return (y - 1970) * 365 + date_leaps_before(y) - date_leaps_before(1970);
}

/* Splits days since 1970-01-01 into year, month (0..11) and day of the month (1..31). */
static void date_civil(int64_t days, int64_t *year, int *month, int *mday)
{
    /* Whole 400-year cycles first (from 2000, a cycle start), then year by year: < 400 steps. */
    int64_t y = 2000;
    int64_t d = days - date_year_start(2000);
    int64_t cycles = d >= 0 ? d / DATE_CYCLE_DAYS : -((-d + DATE_CYCLE_DAYS - 1) / DATE_CYCLE_DAYS);
    y += cycles * 400;
    d -= cycles * DATE_CYCLE_DAYS;
    for (;;) {
        int64_t len = date_leap(y) ? 366 : 365;
        if (d < len)
            break;
        d -= len;
        y++;
    }
    int m = 0;
    while (d >= date_month_days(y, m))
        d -= date_month_days(y, m++);
    *year = y;
    *month = m;
    *mday = (int)d + 1;
}

/* IMF-fixdate of t. */
long http_date_format(int64_t t, char *buf, size_t size)
{
    if (size <= HTTP_DATE_LEN)
        return ERR_TOO_LARGE;
    /* Years 0..9999 only: four digits, and no overflow in what follows. */
    if (t < date_year_start(0) * DATE_DAY || t >= date_year_start(DATE_YEAR_MAX + 1) * DATE_DAY)
        return ERR_INVALID_ARG;
    int64_t days = t >= 0 ? t / DATE_DAY : -((-t + DATE_DAY - 1) / DATE_DAY);
    int64_t secs = t - days * DATE_DAY;
    int64_t year;
    int month, mday;
    date_civil(days, &year, &month, &mday);
    int wday = (int)(((days % 7) + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
    fmt_snprintf(buf, size, "%s, %02d %s %04lld %02lld:%02lld:%02lld GMT", DATE_WDAYS[wday], mday,
                 DATE_MONTHS[month], (long long)year, (long long)(secs / 3600), (long long)(secs / 60 % 60),
                 (long long)(secs % 60));
    return HTTP_DATE_LEN;
}

/* Reads n decimal digits at *s (advancing it) into *out; false if any is not a digit. */
static bool date_digits(const char **s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*s)[i];
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *s += n;
    *out = v;
    return true;
}

/* Matches the literal text lit at *s (advancing it). */
static bool date_lit(const char **s, const char *lit)
{
    size_t n = strlen(lit);
    if (strncmp(*s, lit, n) != 0)
        return false;
    *s += n;
    return true;
}

/* A three-letter month name at *s (advancing it) into *m (0..11). */
static bool date_month(const char **s, int *m)
{
    for (int i = 0; i < 12; i++)
        if (strncmp(*s, DATE_MONTHS[i], 3) == 0) {
            *s += 3;
            *m = i;
            return true;
        }
    return false;
}

/* "hh:mm:ss" at *s into seconds of the day (a leap second 60 is allowed). */
static bool date_time(const char **s, int *secs)
{
    int h, m, sec;
    if (!date_digits(s, 2, &h) || !date_lit(s, ":") || !date_digits(s, 2, &m) || !date_lit(s, ":") ||
        !date_digits(s, 2, &sec))
        return false;
    if (h > 23 || m > 59 || sec > 60)
        return false;
    *secs = h * 3600 + m * 60 + sec;
    return true;
}

/* The time of a calendar date, once its fields are checked. */
static bool date_make(int64_t year, int month, int mday, int secs, int64_t *t)
{
    if (year < 0 || year > DATE_YEAR_MAX || mday < 1 || mday > date_month_days(year, month))
        return false;
    int64_t days = date_year_start(year);
    for (int m = 0; m < month; m++)
        days += date_month_days(year, m);
    *t = (days + mday - 1) * DATE_DAY + secs;
    return true;
}

/* "Sun, 06 Nov 1994 08:49:37 GMT" after the weekday's three letters. */
static bool date_parse_fixdate(const char *s, int64_t *t)
{
    int mday, month, year, secs;
    if (!date_lit(&s, ", ") || !date_digits(&s, 2, &mday) || !date_lit(&s, " ") || !date_month(&s, &month) ||
        !date_lit(&s, " ") || !date_digits(&s, 4, &year) || !date_lit(&s, " ") || !date_time(&s, &secs) ||
        !date_lit(&s, " GMT") || *s)
        return false;
    return date_make(year, month, mday, secs, t);
}

/* "Sunday, 06-Nov-94 08:49:37 GMT" after the weekday's name. Without a clock that knows the date, a
 * two-digit year is read as 1970..2069 (RFC 9110 asks for the most recent past year with them). */
static bool date_parse_rfc850(const char *s, int64_t *t)
{
    int mday, month, year, secs;
    if (!date_lit(&s, ", ") || !date_digits(&s, 2, &mday) || !date_lit(&s, "-") || !date_month(&s, &month) ||
        !date_lit(&s, "-") || !date_digits(&s, 2, &year) || !date_lit(&s, " ") || !date_time(&s, &secs) ||
        !date_lit(&s, " GMT") || *s)
        return false;
    return date_make(year + (year < 70 ? 2000 : 1900), month, mday, secs, t);
}

/* "Sun Nov  6 08:49:37 1994" after the weekday's three letters. */
static bool date_parse_asctime(const char *s, int64_t *t)
{
    int mday, month, year, secs;
    if (!date_lit(&s, " ") || !date_month(&s, &month) || !date_lit(&s, " "))
        return false;
    if (*s == ' ') {
        s++;
        if (!date_digits(&s, 1, &mday))
            return false;
    } else if (!date_digits(&s, 2, &mday)) {
        return false;
    }
    if (!date_lit(&s, " ") || !date_time(&s, &secs) || !date_lit(&s, " ") || !date_digits(&s, 4, &year) || *s)
        return false;
    return date_make(year, month, mday, secs, t);
}

/* Any of the three forms, told apart by what follows the weekday. */
bool http_date_parse(const char *s, int64_t *t)
{
    for (int i = 0; i < 7; i++) {
        size_t n = strlen(DATE_WDAYS_LONG[i]);
        if (strncmp(s, DATE_WDAYS_LONG[i], n) == 0 && s[n] == ',')
            return date_parse_rfc850(s + n, t);
        if (strncmp(s, DATE_WDAYS[i], 3) == 0)
            return s[3] == ',' ? date_parse_fixdate(s + 3, t) : date_parse_asctime(s + 3, t);
    }
    return false;
}

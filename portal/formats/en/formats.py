# One date and one date-time presentation per language, in lists and on detail pages alike: "7 Dec 2026" reads the
# same in Europe and elsewhere (neither "12/07/2026" nor "Dec. 7, 2026"), with a 24-hour clock.
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = DATE_FORMAT
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
YEAR_MONTH_FORMAT = "M Y"

package hapihub

import "time"

// Ptr returns a pointer to v, for the optional fields of the types (Ptr(true), Ptr(int64(0))).
func Ptr[T any](v T) *T { return &v }

// Millis is t as the API's times are: Unix milliseconds, UTC.
func Millis(t time.Time) int64 { return t.UnixMilli() }

// Time turns the API's Unix milliseconds into a time.Time in UTC.
func Time(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// Date is the API's form of a calendar date (dateOfBirth): Unix ms at UTC midnight.
func Date(year int, month time.Month, day int) int64 {
	return time.Date(year, month, day, 0, 0, 0, 0, time.UTC).UnixMilli()
}

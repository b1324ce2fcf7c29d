package query

import (
	"math"
	"strconv"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/qs"
)

// TimeRange reads a time filter outside the Feathers language, as GET /events and
// GET /request-logs take createdAt: param[$gt|$gte|$lt|$lte]=<Unix ms>, or a plain value for
// that one millisecond. It returns the bounds as a key range over time-ordered ids: from is
// inclusive, before exclusive, and 0 leaves a side open. An upper bound of 0 ($lt=0) matches
// nothing, so it becomes 1 rather than the open 0, whatever other bounds the query adds.
func TimeRange(param string, v qs.Value) (from, before int64, err error) {
	ms := func(x qs.Value) (int64, error) {
		s, _ := qs.AsString(x)
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, apperr.Field(param, "must be a Unix time in milliseconds")
		}
		return n, nil
	}
	o, isObj := qs.AsObject(v)
	if !isObj {
		n, err := ms(v)
		if err != nil {
			return 0, 0, err
		}
		return n, plusOne(n), nil
	}
	upper := false
	for op, x := range o.All() {
		n, err := ms(x)
		if err != nil {
			return 0, 0, err
		}
		switch op {
		case "$gte":
			from = max(from, n)
		case "$gt":
			from = max(from, plusOne(n))
		case "$lt", "$lte":
			if op == "$lte" {
				n = plusOne(n)
			}
			if !upper || n < before {
				before = n
			}
			upper = true
		default:
			return 0, 0, apperr.Field(param, "supports $gt, $gte, $lt and $lte, not %s", op)
		}
	}
	if upper && before == 0 {
		before = 1 // 0 would mean open; nothing is created in the epoch's first millisecond
	}
	return from, before, nil
}

// plusOne is n+1, saturating so the largest time does not wrap to a negative (open) bound.
func plusOne(n int64) int64 {
	if n == math.MaxInt64 {
		return n
	}
	return n + 1
}

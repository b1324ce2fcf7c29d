package query

import (
	"strconv"

	"github.com/hapihub/hapihub/shared/apperr"
	"github.com/hapihub/hapihub/shared/qs"
)

// Params parses a request's query parameters (name → values, as API Gateway passes them) the
// way Feathers clients encode them, for the lists that read their own filters instead of
// compiling against a schema (events, webhook endpoints and deliveries, request logs). It
// refuses what qs would silently truncate, as Parse does.
func Params(params map[string][]string) (qs.Object, error) {
	return parseQS(RawQuery(params))
}

// Paging reads $limit (DefaultLimit when absent, 0 to MaxLimit) and $skip (0 to MaxSkip) from
// parsed parameters.
func Paging(q qs.Object) (limit, skip int, err error) {
	num := func(key string, dflt, hi int) (int, error) {
		v, ok := q.Get(key)
		if !ok {
			return dflt, nil
		}
		s, _ := qs.AsString(v)
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > hi {
			return 0, apperr.Field(key, "must be a whole number from %d to %d", 0, hi)
		}
		return n, nil
	}
	if limit, err = num("$limit", DefaultLimit, MaxLimit); err != nil {
		return 0, 0, err
	}
	if skip, err = num("$skip", 0, MaxSkip); err != nil {
		return 0, 0, err
	}
	return limit, skip, nil
}

// ListParams is Params then Paging: what every such list reads first.
func ListParams(params map[string][]string) (q qs.Object, limit, skip int, err error) {
	if q, err = Params(params); err != nil {
		return q, 0, 0, err
	}
	limit, skip, err = Paging(q)
	return q, limit, skip, err
}

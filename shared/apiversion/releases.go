package apiversion

import "context"

// Releases is HAPI Hub's versions. The first is the API as it was when versioning began; each
// breaking change since is one Change appended here, with its line in docs/changelog.md
// (TestChangelogListsEveryVersion keeps the two equal).
var Releases = NewRegistry("2026-12-07")

type ctxKey int

const (
	requestKey ctxKey = iota
	accountKey
)

// With records the version a request is served in (the header's, else the account's) and the
// account's own version (what the request's events are written in).
func With(ctx context.Context, request, account Version) context.Context {
	return context.WithValue(context.WithValue(ctx, requestKey, request), accountKey, account)
}

// RequestFrom is the version the request is served in ("" outside a request).
func RequestFrom(ctx context.Context) Version {
	v, _ := ctx.Value(requestKey).(Version)
	return v
}

// AccountFrom is the account's version recorded for the request ("" outside a request).
func AccountFrom(ctx context.Context) Version {
	v, _ := ctx.Value(accountKey).(Version)
	return v
}

// OfAccount is an account's version as stored: accounts made before versions were recorded
// have none and are pinned to the first.
func (r *Registry) OfAccount(stored string) Version {
	if v, ok := r.Lookup(stored); ok {
		return v
	}
	return r.first
}

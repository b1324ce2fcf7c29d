// Package logstore is the request-log slice of the store: one item per request made with a key,
// kept for RequestLogTTL.
package logstore

import (
	"github.com/hapihub/hapihub/shared/store/core"
)

// RequestLogs is the request-log slice over the table core.
type RequestLogs struct {
	*core.Store
}

// New returns the request-log slice over c.
func New(c *core.Store) *RequestLogs { return &RequestLogs{Store: c} }

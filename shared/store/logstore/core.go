// Package logstore is the request-log slice of the store: one item per request made with a key,
// kept for RequestLogTTL.
package logstore

import (
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/hapihub/hapihub/shared/store/core"
)

// RequestLogs is the request-log slice over the table core. Store names it in this package's files (their
// methods were written on the store before it was split into slices).
type RequestLogs struct {
	*core.Store
}

// Store is RequestLogs.
type Store = RequestLogs

// New returns the request-log slice over c.
func New(c *core.Store) *RequestLogs { return &RequestLogs{Store: c} }

// The core's types, names and helpers under the names this package's code uses.
type (
	Key              = core.Key
	RequestLog       = core.RequestLog
	RequestLogFilter = core.RequestLogFilter
	RequestLogPage   = core.RequestLogPage
)

const (
	Test = core.Test
	Live = core.Live
)

// Ids (core/ids.go).
var (
	NewID       = core.NewID
	NewIDPrefix = core.NewIDPrefix
	SeekBounds  = core.SeekBounds
)

func sv(v string) types.AttributeValue                           { return core.SV(v) }
func n(v int64) types.AttributeValue                             { return core.N(v) }
func getS(item map[string]types.AttributeValue, k string) string { return core.GetS(item, k) }
func getN(item map[string]types.AttributeValue, k string) int64  { return core.GetN(item, k) }

func (s *RequestLogs) expired(item map[string]types.AttributeValue) bool {
	return s.Store.Expired(item)
}

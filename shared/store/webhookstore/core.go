// Package webhookstore is the webhooks slice of the store: endpoints, deliveries and their due
// entries, and test events.
package webhookstore

import (
	"github.com/hapihub/hapihub/shared/store/core"
)

// Webhooks is the webhooks slice over the table core.
type Webhooks struct {
	*core.Store
}

// New returns the webhooks slice over c.
func New(c *core.Store) *Webhooks { return &Webhooks{Store: c} }

func str(v any) string {
	s, _ := v.(string)
	return s
}

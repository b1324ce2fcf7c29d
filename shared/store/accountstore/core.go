// Package accountstore is the accounts slice of the store: accounts, their organizations and
// connections, API keys, tokens, settings, and the console's users, members, invites and
// sessions (identity).
package accountstore

import (
	"github.com/hapihub/hapihub/shared/store/core"
)

// Accounts is the accounts slice over the table core.
type Accounts struct {
	*core.Store
}

// New returns the accounts slice over c.
func New(c *core.Store) *Accounts { return &Accounts{Store: c} }
